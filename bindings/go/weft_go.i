/* go section of bindings/weft.i */
