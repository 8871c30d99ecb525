package weft

// C memory the bindings build or read: string vectors handed to weft, and
// bytes and strings weft hands back.

/*
#include <stdlib.h>
#include <string.h>
*/
import "C"

import (
	"unsafe"

	"weft.dev/weft/internal/cweft"
)

// cStrings builds a NULL-terminated vector of C strings; free releases it.
func cStrings(ss []string) (vec uintptr, free func()) {
	n := len(ss)
	p := C.malloc(C.size_t(n+1) * C.size_t(unsafe.Sizeof(uintptr(0))))
	arr := unsafe.Slice((**C.char)(p), n+1)
	for i, s := range ss {
		arr[i] = C.CString(s)
	}
	arr[n] = nil
	return uintptr(p), func() {
		for i := 0; i < n; i++ {
			C.free(unsafe.Pointer(arr[i]))
		}
		C.free(p)
	}
}

// goBytes copies n bytes at p (nil for a NULL p), however many: a
// connection's message may pass C.GoBytes's int limit.
func goBytes(p uintptr, n uint64) []byte {
	if p == 0 {
		return nil
	}
	b := make([]byte, n)
	copy(b, unsafe.Slice((*byte)(cweft.CPointer(p)), n))
	return b
}

// takeBytes copies bytes weft allocated for the caller and frees them.
func takeBytes(p uintptr, n uint64) []byte {
	b := goBytes(p, n)
	if p != 0 {
		cweft.Weft_free(p)
	}
	return b
}

// goStrings copies a vector of n C strings.
func goStrings(p uintptr, n uint64) []string {
	if p == 0 {
		return nil
	}
	arr := unsafe.Slice((**C.char)(cweft.CPointer(p)), n)
	out := make([]string, n)
	for i := range out {
		out[i] = C.GoString(arr[i])
	}
	return out
}

// pointers reads n pointers from a C array.
func pointers(p uintptr, n uint64) []uintptr {
	if p == 0 || n == 0 {
		return nil
	}
	return append([]uintptr(nil), unsafe.Slice((*uintptr)(cweft.CPointer(p)), n)...)
}

// firstByte gives the pointer weft takes for bytes going in (nil when empty).
func firstByte(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}

// goBytesZ copies a NUL-terminated C string (nil for NULL).
func goBytesZ(p uintptr) []byte {
	if p == 0 {
		return nil
	}
	return []byte(C.GoString((*C.char)(cweft.CPointer(p))))
}

// unsafePointer gives the address of Go memory holding no Go pointers, for
// weft's array parameters typed uintptr.
func unsafePointer(p *uintptr) unsafe.Pointer { return unsafe.Pointer(p) }

// unsafePointerU views C memory weft allocated as a pointer.
func unsafePointerU(p uintptr) unsafe.Pointer { return cweft.CPointer(p) }
