// A thread pool computing something real: the primes below 200000, counted
// in slices on a weft ThreadPoolExecutor whose workers run Go functions.
package main

import (
	"fmt"
	"os"

	"weft.dev/weft"
)

func countPrimes(lo, hi int) int {
	n := 0
	for k := lo; k < hi; k++ {
		if k < 2 {
			continue
		}
		prime := true
		for d := 2; d*d <= k; d++ {
			if k%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			n++
		}
	}
	return n
}

func main() {
	const limit, slices = 200000, 16
	ex, err := weft.NewThreadPoolExecutor(weft.ExecutorOptions{MaxWorkers: 2})
	if err != nil {
		panic(err)
	}
	defer ex.Close()
	var fs []*weft.Future
	for i := 0; i < slices; i++ {
		lo, hi := i*limit/slices, (i+1)*limit/slices
		f, err := ex.Submit(func() (any, error) { return countPrimes(lo, hi), nil })
		if err != nil {
			panic(err)
		}
		fs = append(fs, f)
	}
	total := 0
	for _, f := range fs {
		v, err := f.Result(weft.Forever)
		if err != nil {
			panic(err)
		}
		total += v.(int)
	}
	fmt.Printf("primes below %d: %d\n", limit, total)
	if total != 17984 {
		os.Exit(1)
	}
}
