/**
 * @file weft/task.h
 * @brief Native tasks: a C function named by shared object and symbol, its
 *        call signature and its arguments as bytes, callable in this process
 *        or in another one.
 *
 * A #weft_task is the unit of native work that crosses a process boundary:
 * the spawn and forkserver start methods, process pools and the distributed
 * executor send tasks, not function pointers. A task names its function by
 * the shared object that defines it (or the main program) and the symbol, so
 * a fresh process can find it with `dlopen`/`dlsym`, and weft calls it
 * through libffi.
 *
 * **Signatures** read `R(A...)`: one result code, then the argument codes in
 * parentheses, with the letters of Python's `struct` module for the C types:
 *
 * | code | C type | code | C type |
 * |---|---|---|---|
 * | `c` | `char` | `?` | `_Bool` |
 * | `b` / `B` | `signed char` / `unsigned char` | `h` / `H` | `short` / `unsigned short` |
 * | `i` / `I` | `int` / `unsigned int` | `l` / `L` | `long` / `unsigned long` |
 * | `q` / `Q` | `long long` / `unsigned long long` | `n` / `N` | `ssize_t` / `size_t` |
 * | `f` | `float` | `d` | `double` |
 * | `y` | bytes (see below) | `v` | `void` (result only) |
 *
 * A `y` argument is passed to the function as two C arguments,
 * `const void *data, size_t size`. A `y` result adds two C arguments after
 * all the others, `void **out, size_t *out_size`, and the function returns
 * `void`: it stores a buffer from `malloc()` (or NULL for an empty result)
 * and its size, and weft frees the buffer. So `"y(yi)"` calls
 * `void f(const void *data, size_t size, int n, void **out, size_t *out_size)`.
 *
 * **Argument bytes** are the arguments in order, each scalar in this
 * machine's representation of its C type (its `sizeof` bytes, native byte
 * order, no padding), each `y` argument as an 8-byte native unsigned size
 * followed by that many bytes. weft_task_add_int() and its siblings append
 * to them; weft_task_set_args() sets them whole. **Result bytes** are the
 * result in the same representation: a scalar's bytes, a `y` result's
 * buffer, nothing for `v`.
 *
 * A function in the main program can be named only if the program exports
 * its symbols (link it with `-rdynamic`, or `ENABLE_EXPORTS` in CMake).
 */
#ifndef WEFT_TASK_H
#define WEFT_TASK_H

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A native task: shared object, symbol, signature and argument bytes. */
typedef struct weft_task weft_task;

/** @brief Any C function pointer, as weft_task_from_pointer() takes it. */
typedef void (*weft_native_fn)(void);

/**
 * @brief Creates a task that calls @p symbol of @p object with @p signature.
 *
 * Nothing is loaded yet: the symbol is resolved by weft_task_resolve() or
 * at the first call, in whichever process calls it.
 * @param out receives the task; free it with weft_task_free().
 * @param object the shared object, as `dlopen` takes it (a path, or a
 *        soname the loader finds); NULL or "" for the main program.
 * @param symbol the function's symbol name.
 * @param signature the call signature, as described in @ref weft/task.h.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p symbol is NULL or empty,
 *         or the signature is malformed (weft_errmsg() says where);
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_task_new(weft_task **out, const char *object, const char *symbol, const char *signature);

/**
 * @brief Creates a task for a function pointer, naming it as `dladdr` does.
 *
 * @param out receives the task; free it with weft_task_free().
 * @param fn the function; it must be an exported symbol of a shared object
 *        or of the main program.
 * @param signature the call signature.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p fn is NULL, the signature
 *         is malformed, or no exported symbol names @p fn; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_task_from_pointer(weft_task **out, weft_native_fn fn, const char *signature);

/**
 * @brief Frees a task.
 * @param t the task; NULL is allowed.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task.
 */
WEFT_API weft_status weft_task_free(weft_task *t);

/**
 * @brief Reports what a task names.
 *
 * The strings belong to the task and live as long as it does.
 * @param t the task.
 * @param object receives the shared object ("" for the main program); may be NULL.
 * @param symbol receives the symbol; may be NULL.
 * @param signature receives the signature; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task.
 */
WEFT_API weft_status weft_task_describe(weft_task *t, const char **object, const char **symbol,
                                        const char **signature);

/**
 * @brief Appends an integer argument.
 *
 * The next argument of the signature must be an integer code (`c b B h H i
 * I l L q Q n N ?`) whose C type holds @p value.
 * @param t the task.
 * @param value the argument.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task, every
 *         argument is already given, the next one is not an integer, or
 *         @p value does not fit its type; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_task_add_int(weft_task *t, long long value);

/**
 * @brief Appends an unsigned integer argument, as weft_task_add_int() for
 *        values above `LLONG_MAX`.
 * @param t the task.
 * @param value the argument.
 * @return as weft_task_add_int().
 */
WEFT_API weft_status weft_task_add_uint(weft_task *t, unsigned long long value);

/**
 * @brief Appends a floating-point argument; the next code must be `f` or `d`.
 * @param t the task.
 * @param value the argument (rounded to `float` for `f`).
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task, every
 *         argument is already given or the next one is not `f` or `d`;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_task_add_double(weft_task *t, double value);

/**
 * @brief Appends a bytes argument; the next code must be `y`.
 * @param t the task.
 * @param data the bytes, copied; may be NULL when @p size is 0.
 * @param size their number.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task, every
 *         argument is already given, the next one is not `y`, or @p data is
 *         NULL with a non-zero @p size; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_task_add_bytes(weft_task *t, const void *data, size_t size);

/**
 * @brief Replaces all of a task's arguments with argument bytes.
 *
 * @param t the task.
 * @param args the argument bytes, as described in @ref weft/task.h; copied.
 * @param size their number.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task, or the bytes
 *         do not hold exactly the signature's arguments (the task keeps its
 *         previous arguments then); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_task_set_args(weft_task *t, const void *args, size_t size);

/**
 * @brief Gives a task's argument bytes so far.
 * @param t the task.
 * @param args receives a pointer to them, valid until the task changes or is freed.
 * @param size receives their number.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task or an out
 *         parameter is NULL.
 */
WEFT_API weft_status weft_task_args(weft_task *t, const void **args, size_t *size);

/**
 * @brief Loads the task's object and finds its symbol in this process,
 *        without calling it.
 *
 * A process that hands a task to another can resolve it first, to learn of a
 * missing object or symbol before anything starts.
 * @param t the task.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task; `WEFT_NOT_FOUND`
 *         if the object cannot be loaded or the symbol is not in it
 *         (weft_errmsg() gives the loader's message).
 */
WEFT_API weft_status weft_task_resolve(weft_task *t);

/**
 * @brief Calls the task in this process and gives its result bytes.
 *
 * @param t the task, with every argument given.
 * @param result receives the result bytes, freed with weft_free(); NULL
 *        when there are none. May be NULL to discard them.
 * @param size receives their number; may be NULL.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task or an argument
 *         is missing; `WEFT_NOT_FOUND` as weft_task_resolve(); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_task_call(weft_task *t, void **result, size_t *size);

/**
 * @brief Serialises a task (object, symbol, signature and arguments) into
 *        bytes that weft_task_from_bytes() reads in any process.
 * @param t the task.
 * @param buf receives the bytes, freed with weft_free().
 * @param size receives their number.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p t is not a live task or an out
 *         parameter is NULL; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_task_to_bytes(weft_task *t, void **buf, size_t *size);

/**
 * @brief Makes a task from the bytes of weft_task_to_bytes().
 * @param out receives the task; free it with weft_task_free().
 * @param buf the bytes.
 * @param size their number.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL or the bytes are not a
 *         whole, well-formed task; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_task_from_bytes(weft_task **out, const void *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_TASK_H */
