package weft

// The generated files (internal/cweft's SWIG layer and status_gen.go) come
// from bindings/weft.i and the public headers; in a source checkout
// `go generate` writes them (it needs swig and a C compiler).
//go:generate sh gen/generate.sh
