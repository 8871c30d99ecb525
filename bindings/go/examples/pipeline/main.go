// A subprocess pipeline, as `seq 1 1000 | grep 7 | wc -l` in a shell: each
// child's stdin is the previous child's stdout pipe.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"weft.dev/weft"
)

func main() {
	seq, err := weft.Popen([]string{"seq", "1", "1000"}, &weft.PopenOptions{Stdout: weft.Pipe})
	if err != nil {
		panic(err)
	}
	grep, err := weft.Popen([]string{"grep", "7"}, &weft.PopenOptions{Stdin: weft.FD(seq.Stdout()), Stdout: weft.Pipe})
	if err != nil {
		panic(err)
	}
	seq.CloseStdout() // the parent's copy: grep sees EOF when seq exits
	wc, err := weft.Popen([]string{"wc", "-l"}, &weft.PopenOptions{Stdin: weft.FD(grep.Stdout()), Stdout: weft.Pipe})
	if err != nil {
		panic(err)
	}
	grep.CloseStdout()
	out, _, err := wc.Communicate(nil, weft.Forever)
	if err != nil {
		panic(err)
	}
	for _, p := range []*weft.Process{seq, grep, wc} {
		if rc, err := p.Wait(weft.Forever); rc != 0 || err != nil {
			panic(fmt.Sprint(rc, err))
		}
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	fmt.Printf("numbers up to 1000 with a 7: %d\n", n)
	if n != 271 {
		os.Exit(1)
	}
}
