// A Go program built outside the source tree against an installed
// weft.dev/weft (golang-weft-dev, or `cmake --install`): a weft thread puts
// a value into a weft queue and the program takes it out.
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"weft.dev/weft"
)

func main() {
	q, err := weft.NewQueue(1)
	if err != nil {
		panic(err)
	}
	defer q.Close()
	t, err := weft.NewThread("putter", func() (any, error) {
		return nil, q.Put(6*7, weft.Forever)
	})
	if err != nil {
		panic(err)
	}
	if err := t.Start(); err != nil {
		panic(err)
	}
	v, err := q.Get(30 * time.Second)
	if err != nil || v != 42 {
		fmt.Fprintln(os.Stderr, "go consumer: got", v, err)
		os.Exit(1)
	}
	if _, err := q.Get(0); !errors.Is(err, weft.ErrEmpty) {
		fmt.Fprintln(os.Stderr, "go consumer: an empty queue said", err)
		os.Exit(1)
	}
	if _, err := t.Join(weft.Forever); err != nil {
		panic(err)
	}
	fmt.Println("go consumer: weft", weft.VersionString(), "ok")
}
