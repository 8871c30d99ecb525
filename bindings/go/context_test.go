package weft

import (
	"errors"
	"runtime"
	"testing"
)

func TestContextVar(t *testing.T) {
	runtime.LockOSThread() // contexts are per thread
	defer runtime.UnlockOSThread()
	v := must(NewContextVar("v"))
	if _, err := v.Get(); !errors.Is(err, ErrLookup) {
		t.Fatal(err)
	}
	if v.GetDefault("fb") != "fb" || v.Name() != "v" {
		t.Fatal("default/name")
	}
	tok := must(v.Set([]int{1, 2}))
	if got := must(v.Get()).([]int); got[1] != 2 {
		t.Fatal(got)
	}
	if _, ok := tok.OldValue(); ok {
		t.Fatal("old value of first set")
	}
	tok2 := must(v.Set("second"))
	if old, ok := tok2.OldValue(); !ok || old.([]int)[0] != 1 {
		t.Fatal(old, ok)
	}
	v.Reset(tok2)
	if err := v.Reset(tok2); !errors.Is(err, ErrRuntime) {
		t.Fatal(err)
	}
	v.Reset(tok)
	if _, err := v.Get(); !errors.Is(err, ErrLookup) {
		t.Fatal(err)
	}
	d := must(NewContextVarDefault("d", 7))
	if must(d.Get()) != 7 {
		t.Fatal("var default")
	}
	if d.GetDefault("given") != "given" {
		t.Fatal("the argument of get(default) wins, as in Python")
	}
}

func TestContextRun(t *testing.T) {
	v := must(NewContextVarDefault("iso", 0))
	ctx := must(NewContext())
	r, err := ctx.Run(func() (any, error) {
		if _, err := v.Set(5); err != nil {
			return nil, err
		}
		return v.Get()
	})
	if err != nil || r != 5 {
		t.Fatal(r, err)
	}
	if must(ctx.Get(v)) != 5 || !ctx.Contains(v) || ctx.Len() != 1 {
		t.Fatal("context state")
	}
	c2 := must(ctx.Copy())
	c2.Run(func() (any, error) { _, err := v.Set(10); return nil, err })
	if must(ctx.Get(v)) != 5 || must(c2.Get(v)) != 10 {
		t.Fatal("copy not isolated")
	}
	_, err = ctx.Run(func() (any, error) { return ctx.Run(func() (any, error) { return nil, nil }) })
	if !errors.Is(err, ErrRuntime) {
		t.Fatalf("nested run: %v", err)
	}
	_, err = ctx.Run(func() (any, error) { return nil, errMine })
	if !errors.Is(err, errMine) {
		t.Fatal(err)
	}
	items := must(ctx.Items())
	if len(items) != 1 || items[0].Name != "iso" || items[0].Value != 5 {
		t.Fatal(items)
	}
	empty := must(NewContext())
	if _, err := empty.Get(v); !errors.Is(err, ErrLookup) {
		t.Fatal(err)
	}
}
