/* python section of bindings/weft.i */
