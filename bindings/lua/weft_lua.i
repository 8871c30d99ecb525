/* lua section of bindings/weft.i */
