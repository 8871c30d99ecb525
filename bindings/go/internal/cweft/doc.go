// Package cweft is the SWIG-generated layer of weft's Go binding: one Go
// function per C function of libweft, named as SWIG names them
// (Weft_call, Weft_status_name, ...). The build generates it from
// bindings/weft.i into this folder; use the package weft.dev/weft instead.
package cweft
