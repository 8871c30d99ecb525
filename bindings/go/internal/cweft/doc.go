// Package cweft is the SWIG-generated layer of weft's Go binding: one Go
// function per C function of libweft, named as SWIG names them
// (Weft_call, Weft_status_name, ...). gen/generate.sh (`go generate` in
// the module's root) writes it from bindings/weft.i into this folder; the
// installed module carries it. Use the package weft.dev/weft instead.
//
// It compiles and links against the installed libweft through pkg-config
// (weft.pc); set PKG_CONFIG_PATH when libweft is installed elsewhere.
package cweft

// #cgo pkg-config: weft
import "C"
