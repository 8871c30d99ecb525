// A queue between producer and consumer threads: a producer thread puts
// words, two consumer threads count letters, and a results queue carries
// their tallies back. The threads are weft threads running Go functions.
package main

import (
	"fmt"
	"os"
	"strings"

	"weft.dev/weft"
)

const text = `the quick brown fox jumps over the lazy dog while the cat
sleeps in the warm sun and the bird sings a quiet song`

func main() {
	words, err := weft.NewQueue(16)
	if err != nil {
		panic(err)
	}
	tallies, _ := weft.NewQueue(0)

	producer, _ := weft.NewThread("producer", func() (any, error) {
		for _, w := range strings.Fields(text) {
			if err := words.Put(w, weft.Forever); err != nil {
				return nil, err
			}
		}
		for i := 0; i < 2; i++ {
			words.Put(nil, weft.Forever) // one stop mark per consumer
		}
		return nil, nil
	})
	consume := func() (any, error) {
		letters := 0
		for {
			w, err := words.Get(weft.Forever)
			if err != nil {
				return nil, err
			}
			if w == nil {
				break
			}
			letters += len(w.(string))
		}
		return nil, tallies.Put(letters, weft.Forever)
	}
	c1, _ := weft.NewThread("consumer-1", consume)
	c2, _ := weft.NewThread("consumer-2", consume)
	for _, t := range []*weft.Thread{producer, c1, c2} {
		if err := t.Start(); err != nil {
			panic(err)
		}
	}
	a, _ := tallies.Get(weft.Forever)
	b, _ := tallies.Get(weft.Forever)
	for _, t := range []*weft.Thread{producer, c1, c2} {
		t.Join(weft.Forever)
	}
	total := a.(int) + b.(int)
	fmt.Printf("letters counted by two consumer threads: %d\n", total)
	if total != len(strings.Join(strings.Fields(text), "")) {
		os.Exit(1)
	}
}
