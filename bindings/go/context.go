package weft

import (
	"errors"
	"runtime"
	"runtime/cgo"

	"weft.dev/weft/internal/cweft"
)

// Contexts are per OS thread, as Python's are per thread, and a goroutine
// may move between threads between two calls. Set and read variables inside
// Context.Run (the function runs on one thread for the whole call) or from a
// goroutine that called runtime.LockOSThread, or from a weft task.

// ContextVar is contextvars.ContextVar; its values are Go values.
type ContextVar struct{ handle }

func wrapVar(p uintptr) *ContextVar {
	v := &ContextVar{}
	adopt(v, p, cweft.Weft_context_var_free)
	return v
}

// NewContextVar makes a variable with no default.
func NewContextVar(name string) (*ContextVar, error) {
	p, err := newOut(func(o *uintptr) error { return cweft.Weft_context_var_new(o, name) })
	if err != nil {
		return nil, err
	}
	return wrapVar(p), nil
}

// NewContextVarDefault makes a variable whose Get gives def where it is not set.
func NewContextVarDefault(name string, def any) (*ContextVar, error) {
	var p uintptr
	err := give(def, func(h uintptr) error { return cweft.Weft_context_var_new_default(&p, name, h) })
	if err != nil {
		return nil, err
	}
	return wrapVar(p), nil
}

// Name is the variable's name.
func (v *ContextVar) Name() string {
	defer runtime.KeepAlive(v)
	var p uintptr
	if cweft.Weft_context_var_name(v.c(), &p) != nil {
		return ""
	}
	return string(goBytesZ(p))
}

// Get gives the value in the current context, else the default; ErrLookup
// when there is neither.
func (v *ContextVar) Get() (any, error) {
	defer runtime.KeepAlive(v)
	var val any
	err := cweft.Weft_context_var_get(v.c(), &val)
	return val, err
}

// GetDefault is Python's get(default): the value in the current context,
// else def (which wins over the variable's own default, as in Python).
func (v *ContextVar) GetDefault(def any) any {
	defer runtime.KeepAlive(v)
	h := cgo.NewHandle(def)
	defer h.Delete()
	var val any
	if cweft.Weft_context_var_get_default(v.c(), uintptr(h), &val) != nil {
		return def
	}
	return val
}

// Set sets the value in the current context and gives a Token for Reset.
func (v *ContextVar) Set(val any) (*Token, error) {
	defer runtime.KeepAlive(v)
	var t uintptr
	if err := give(val, func(h uintptr) error { return cweft.Weft_context_var_set(v.c(), h, &t) }); err != nil {
		return nil, err
	}
	tok := &Token{}
	adopt(tok, t, cweft.Weft_context_token_free)
	return tok, nil
}

// Reset restores what the Set that made tok replaced; ErrRuntime if the
// token was used already.
func (v *ContextVar) Reset(tok *Token) error {
	defer runtime.KeepAlive(v)
	defer runtime.KeepAlive(tok)
	return cweft.Weft_context_var_reset(v.c(), tok.c())
}

// Token is contextvars.Token.
type Token struct{ handle }

// OldValue gives the value before the Set, and false when there was none
// (Python's Token.MISSING).
func (t *Token) OldValue() (any, bool) {
	defer runtime.KeepAlive(t)
	var p uintptr
	var missing int32
	if cweft.Weft_context_token_old_value(t.c(), &p, &missing) != nil ||
		missing != 0 {
		return nil, false
	}
	// Read only when set: a missing old value is weft's marker, no handle.
	return cgo.Handle(p).Value(), true
}

// Context is contextvars.Context.
type Context struct{ handle }

func wrapContext(p uintptr) *Context {
	c := &Context{}
	adopt(c, p, cweft.Weft_context_free)
	return c
}

// NewContext makes an empty context.
func NewContext() (*Context, error) {
	p, err := newOut(cweft.Weft_context_new)
	if err != nil {
		return nil, err
	}
	return wrapContext(p), nil
}

// CopyContext copies the calling thread's current context.
func CopyContext() (*Context, error) {
	p, err := newOut(cweft.Weft_context_copy_current)
	if err != nil {
		return nil, err
	}
	return wrapContext(p), nil
}

// Copy copies the context (O(1)).
func (c *Context) Copy() (*Context, error) {
	defer runtime.KeepAlive(c)
	p, err := newOut(func(o *uintptr) error { return cweft.Weft_context_copy(c.c(), o) })
	if err != nil {
		return nil, err
	}
	return wrapContext(p), nil
}

// Run calls fn with c as the current context of the thread it runs on;
// variables fn sets stay set in c. ErrRuntime if c is entered already.
func (c *Context) Run(fn Func) (any, error) {
	held := c.hold()
	defer held.drop()
	cl, h := newCallable(fn)
	defer h.Delete()
	var v any
	if err := cweft.Weft_context_run(held, uintptr(h), &v); err != nil {
		return nil, withCause(err, cl)
	}
	return v, nil
}

// Get gives var's value in c (its default is not consulted); ErrLookup if
// it is not set.
func (c *Context) Get(v *ContextVar) (any, error) {
	defer runtime.KeepAlive(c)
	defer runtime.KeepAlive(v)
	var val any
	err := cweft.Weft_context_get(c.c(), v.c(), &val)
	return val, err
}

// Contains reports whether var is set in c.
func (c *Context) Contains(v *ContextVar) bool {
	defer runtime.KeepAlive(c)
	defer runtime.KeepAlive(v)
	return boolOut(func(o *int32) error { return cweft.Weft_context_contains(c.c(), v.c(), o) })
}

// Len is the number of variables set in c.
func (c *Context) Len() int {
	defer runtime.KeepAlive(c)
	return sizeOut(func(o *uint64) error { return cweft.Weft_context_len(c.c(), o) })
}

// ContextItem is one variable of a context and its value.
type ContextItem struct {
	Name  string
	Value any
}

// Items lists a snapshot of c's variables (by name) and values.
func (c *Context) Items() ([]ContextItem, error) {
	defer runtime.KeepAlive(c)
	it, err := newOut(func(o *uintptr) error { return cweft.Weft_context_iter_new(o, c.c()) })
	if err != nil {
		return nil, err
	}
	ci := cweft.SwigcptrStruct_SS_weft_context_iter(it)
	defer cweft.Weft_context_iter_free(ci)
	var out []ContextItem
	for {
		var v uintptr
		var val any
		err := cweft.Weft_context_iter_next(ci, &v, &val)
		if errors.Is(err, ErrEOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		var name uintptr
		cweft.Weft_context_var_name(cweft.SwigcptrStruct_SS_weft_context_var(v), &name)
		out = append(out, ContextItem{Name: string(goBytesZ(name)), Value: val})
	}
}
