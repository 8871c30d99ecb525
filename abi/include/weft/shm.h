/**
 * @file weft/shm.h
 * @brief Shared memory for direct access across processes (Python's
 *        `multiprocessing.shared_memory`), compatible with CPython.
 *
 * A #weft_shared_memory is a named POSIX shared memory segment mapped
 * read-write (`MAP_SHARED`) into this process, as Python's `SharedMemory`.
 * Names are CPython's: a generated name is `psm_` and 8 hexadecimal digits,
 * and a given name may be written with or without its leading `/`. A
 * CPython process attaches to a segment weft created, and the other way
 * round, by the same name, and both see the same bytes.
 *
 * **Tracking.** A segment created with `track` on is registered with the
 * program's tracker, a small process that every process of the program
 * (the creator, its children made by `fork`, and weft processes it spawns)
 * keeps a connection to. When the last of them has exited, normally or by
 * a crash or `SIGKILL`, the tracker unlinks every tracked segment that was
 * not unlinked. Unlike CPython (gh-82300), attaching to a segment never
 * registers it, so a process that only attaches never unlinks a segment
 * when it exits; the `track` argument matters only when creating.
 *
 * A #weft_shareable_list is Python's `ShareableList` with CPython's binary
 * layout: a CPython process reads and changes a list that weft created,
 * and weft reads and changes one that CPython created. Items are 64-bit
 * integers, doubles, booleans, None, strings (UTF-8) and bytes. As in
 * CPython, assigning an item never resizes the list: a string or bytes must
 * fit the slot it goes in, any other item fits any slot. Where CPython's
 * layout loses data weft does better on its side: a list weft creates
 * sizes string slots by their encoded bytes (CPython counts characters and
 * cuts non-ASCII text), and bytes or strings ending in NUL bytes keep them
 * when weft reads what weft wrote (CPython strips them). There is no
 * locking, as in CPython: concurrent writers of one item must agree among
 * themselves.
 *
 * `SharedMemoryManager` is a manager and comes with the managers.
 */
#ifndef WEFT_SHM_H
#define WEFT_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "weft/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A mapped shared memory segment, as Python's `SharedMemory`. */
typedef struct weft_shared_memory weft_shared_memory;

/** @brief A list of fixed-size items in a shared memory segment, as Python's `ShareableList`. */
typedef struct weft_shareable_list weft_shareable_list;

/* ---- SharedMemory ---------------------------------------------------------- */

/**
 * @brief Creates or attaches to a shared memory segment, as
 *        `SharedMemory(name, create, size, track=track)`.
 *
 * With @p create non-zero a new segment of @p size bytes is created (with
 * `O_EXCL` and mode 0600) and filled with zeros; with @p name NULL its name
 * is generated (`psm_` and 8 hexadecimal digits, tried again while the name
 * is taken). Otherwise the existing segment @p name is attached and @p size
 * is ignored: the mapping covers the segment's whole size. @p name may
 * start with `/` or not; it means the same segment.
 *
 * With @p track non-zero a segment this call creates is registered with the
 * program's tracker, which unlinks it when the last process of the program
 * exits unless weft_shared_memory_unlink() came first. Attaching never
 * registers anything, whatever @p track says.
 *
 * The descriptor is close-on-exec and closed once the segment is mapped.
 * @param out receives the segment; free it with weft_shared_memory_free().
 * @param name the segment's name, or NULL to generate one (with @p create only).
 * @param create non-zero to create a new segment, zero to attach.
 * @param size the new segment's size in bytes (@p create only).
 * @param track non-zero to have a created segment unlinked at the program's end.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL, @p name is NULL
 *         without @p create, @p size is 0 with @p create, or an attached
 *         segment is empty (nothing to map); `WEFT_OVERFLOW` when @p size
 *         exceeds what a file offset holds; `WEFT_OS` when the system
 *         refuses, with weft_errno() saying why: `ENOENT` when there is no
 *         segment @p name to attach, `EEXIST` when @p name is taken,
 *         `EINVAL` or `ENAMETOOLONG` for a name the system rejects;
 *         `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_shared_memory_new(weft_shared_memory **out, const char *name, int create, size_t size,
                                            int track);

/**
 * @brief Unmaps the segment (if still mapped) and drops the caller's reference.
 *
 * Freeing never unlinks: the segment stays for other processes, as after
 * Python's `SharedMemory.close()`.
 * @param shm the segment; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p shm is not a live segment handle.
 */
WEFT_API weft_status weft_shared_memory_free(weft_shared_memory *shm);

/**
 * @brief Unmaps the segment, as `SharedMemory.close()`; closing twice is fine.
 *
 * Memory reached through a pointer from weft_shared_memory_buf() must not
 * be touched afterwards. weft_shared_memory_buf(), weft_shared_memory_size()
 * and every ShareableList call on the segment return `WEFT_CLOSED` from then
 * on; weft_shared_memory_name() and weft_shared_memory_unlink() still work,
 * as in Python.
 * @param shm the segment.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle.
 */
WEFT_API weft_status weft_shared_memory_close(weft_shared_memory *shm);

/**
 * @brief Removes the segment's name, as `SharedMemory.unlink()`.
 *
 * The memory lives on until every process has unmapped it; no new process
 * can attach by the name. A segment this process created with tracking is
 * also taken off the tracker's list. Call it once, from one process.
 * @param shm the segment (open or closed).
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_OS` when the
 *         system refuses, with weft_errno() `ENOENT` when the name is
 *         already gone (unlinked twice, or by another process).
 */
WEFT_API weft_status weft_shared_memory_unlink(weft_shared_memory *shm);

/**
 * @brief The mapped memory, as `SharedMemory.buf`.
 * @param shm the segment.
 * @param out receives the address of the first byte; it stays valid until
 *        the segment is closed or freed.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out;
 *         `WEFT_CLOSED` after weft_shared_memory_close().
 */
WEFT_API weft_status weft_shared_memory_buf(weft_shared_memory *shm, void **out);

/**
 * @brief The mapped size in bytes, as `SharedMemory.size`.
 *
 * For an attached segment this is the segment's size as the system reports
 * it (some systems round it up to whole pages).
 * @param shm the segment.
 * @param out receives the size.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out;
 *         `WEFT_CLOSED` after weft_shared_memory_close().
 */
WEFT_API weft_status weft_shared_memory_size(weft_shared_memory *shm, size_t *out);

/**
 * @brief The segment's name without the leading `/`, as `SharedMemory.name`.
 * @param shm the segment (open or closed).
 * @param out receives the name, owned by the segment and valid until it is freed.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_shared_memory_name(weft_shared_memory *shm, const char **out);

/* ---- ShareableList --------------------------------------------------------- */

/** @brief Item type of a ShareableList: a 64-bit signed integer (Python `int`, format `q`). */
#define WEFT_SHAREABLE_INT 0
/** @brief Item type of a ShareableList: a double (Python `float`, format `d`). */
#define WEFT_SHAREABLE_FLOAT 1
/** @brief Item type of a ShareableList: a boolean (Python `bool`, format `xxxxxxx?`). */
#define WEFT_SHAREABLE_BOOL 2
/** @brief Item type of a ShareableList: no value (Python `None`, format `xxxxxx?x`). */
#define WEFT_SHAREABLE_NONE 3
/** @brief Item type of a ShareableList: text, UTF-8 bytes (Python `str`, format `<k>s`). */
#define WEFT_SHAREABLE_STR 4
/** @brief Item type of a ShareableList: bytes (Python `bytes`, format `<k>s`). */
#define WEFT_SHAREABLE_BYTES 5

/** @brief The longest string or bytes item a ShareableList holds (a slot format has at most 8 characters). */
#define WEFT_SHAREABLE_MAX_ITEM 9999991

/**
 * @brief Creates a ShareableList in a new segment, as `ShareableList(sequence, name=name)`.
 *
 * The list has @p n items; item `i` has type @p types[i] (a
 * `WEFT_SHAREABLE_*` constant) and starts as 0, 0.0, false, None, or an
 * empty string or bytes. A string or bytes item gets a slot for
 * @p sizes[i] bytes, as CPython sizes the slot of a value of that many
 * bytes (the next multiple of 8 above it); set the values with
 * weft_shareable_list_set_int() and its siblings. The layout, formats and
 * codes are CPython's, so a CPython `ShareableList(name=...)` reads the
 * list. The segment is created with tracking on, as CPython's.
 * @param out receives the list; free it with weft_shareable_list_free().
 * @param name the segment's name, or NULL to generate one.
 * @param types the item types, @p n of them (may be NULL when @p n is 0).
 * @param sizes the byte length each string or bytes item is made for (its
 *        other entries are ignored); may be NULL when no item is a string or bytes.
 * @param n the number of items.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out is NULL, @p types is NULL with
 *         items, a type is unknown, @p sizes is NULL with a string or bytes
 *         item, or a size exceeds #WEFT_SHAREABLE_MAX_ITEM; `WEFT_OS` as
 *         weft_shared_memory_new(); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_shareable_list_new(weft_shareable_list **out, const char *name, const int *types,
                                             const size_t *sizes, size_t n);

/**
 * @brief Attaches to an existing ShareableList, as `ShareableList(name=name)`.
 *
 * The list's header is checked against the segment's size, so a damaged or
 * foreign segment is refused rather than read out of bounds.
 * @param out receives the list; free it with weft_shareable_list_free().
 * @param name the segment's name, with or without the leading `/`.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p out or @p name is NULL or the
 *         segment does not hold a ShareableList; `WEFT_OS` as
 *         weft_shared_memory_new() (`ENOENT`: no such segment); `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_shareable_list_attach(weft_shareable_list **out, const char *name);

/**
 * @brief Drops the caller's reference to the list; the segment is unmapped
 *        once no handle to it is left, and never unlinked.
 * @param sl the list; NULL is accepted.
 * @return `WEFT_OK`; `WEFT_EINVAL` if @p sl is not a live list handle.
 */
WEFT_API weft_status weft_shareable_list_free(weft_shareable_list *sl);

/**
 * @brief The segment holding the list, as `ShareableList.shm`.
 * @param sl the list.
 * @param out receives a new reference to the segment; free it with weft_shared_memory_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out.
 */
WEFT_API weft_status weft_shareable_list_shm(weft_shareable_list *sl, weft_shared_memory **out);

/**
 * @brief The number of items, as `len(ShareableList)`.
 * @param sl the list.
 * @param out receives the number of items.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out;
 *         `WEFT_CLOSED` when the segment was closed.
 */
WEFT_API weft_status weft_shareable_list_len(weft_shareable_list *sl, size_t *out);

/**
 * @brief The struct formats of all items joined, as `ShareableList.format`.
 *
 * A string or bytes item that weft stored with trailing NUL bytes reads
 * `<n>s<p>x` (its length, then padding to its slot) where CPython would
 * write `<k>s`; Python's `struct` reads both.
 * @param sl the list.
 * @param out receives the format string; free it with weft_free().
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle or a NULL @p out;
 *         `WEFT_CLOSED` when the segment was closed; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_shareable_list_format(weft_shareable_list *sl, char **out);

/**
 * @brief The type of one item, a `WEFT_SHAREABLE_*` constant.
 *
 * Indices count from the end when negative, as in Python (-1 is the last item).
 * @param sl the list.
 * @param index the item's position.
 * @param out receives the type.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, a NULL @p out, or an
 *         item whose format or code is none of CPython's; `WEFT_LOOKUP` when
 *         @p index is out of range (Python's IndexError); `WEFT_CLOSED`.
 */
WEFT_API weft_status weft_shareable_list_type(weft_shareable_list *sl, int64_t index, int *out);

/**
 * @brief Reads an integer item, as `sl[index]` for an `int`.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param out receives the value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, a NULL @p out, or an
 *         item that is not an integer; `WEFT_LOOKUP` when @p index is out of
 *         range; `WEFT_CLOSED`.
 */
WEFT_API weft_status weft_shareable_list_get_int(weft_shareable_list *sl, int64_t index, int64_t *out);

/**
 * @brief Reads a float item, as `sl[index]` for a `float`.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param out receives the value.
 * @return as weft_shareable_list_get_int(), for a float item.
 */
WEFT_API weft_status weft_shareable_list_get_float(weft_shareable_list *sl, int64_t index, double *out);

/**
 * @brief Reads a boolean item, as `sl[index]` for a `bool`.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param out receives 1 or 0.
 * @return as weft_shareable_list_get_int(), for a boolean item.
 */
WEFT_API weft_status weft_shareable_list_get_bool(weft_shareable_list *sl, int64_t index, int *out);

/**
 * @brief Reads a string item's UTF-8 bytes, as `sl[index]` for a `str`.
 *
 * The bytes are copied as stored, without decoding, so an item that
 * CPython cut inside a character (gh-88336) comes back as CPython stored
 * it. Trailing NUL bytes are dropped, as CPython drops them, except for an
 * item weft wrote with its exact length (see weft_shareable_list_format()).
 * Reading never goes past the item's slot.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param out receives a NUL-terminated copy; free it with weft_free().
 * @param len receives the length in bytes (without the terminator); may be NULL.
 * @return as weft_shareable_list_get_int(), for a string item; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_shareable_list_get_str(weft_shareable_list *sl, int64_t index, char **out, size_t *len);

/**
 * @brief Reads a bytes item, as `sl[index]` for `bytes`.
 *
 * As weft_shareable_list_get_str(): the stored bytes, trailing NULs
 * dropped unless weft wrote the item with its exact length.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param out receives a copy (with one NUL byte after it); free it with weft_free().
 * @param len receives the length in bytes.
 * @return as weft_shareable_list_get_int(), for a bytes item; `WEFT_NOMEM`.
 */
WEFT_API weft_status weft_shareable_list_get_bytes(weft_shareable_list *sl, int64_t index, void **out,
                                                   size_t *len);

/**
 * @brief Stores an integer, as `sl[index] = value`; any slot holds it.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param value the value.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle; `WEFT_LOOKUP` when
 *         @p index is out of range; `WEFT_CLOSED`.
 */
WEFT_API weft_status weft_shareable_list_set_int(weft_shareable_list *sl, int64_t index, int64_t value);

/**
 * @brief Stores a float, as `sl[index] = value`; any slot holds it.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param value the value.
 * @return as weft_shareable_list_set_int().
 */
WEFT_API weft_status weft_shareable_list_set_float(weft_shareable_list *sl, int64_t index, double value);

/**
 * @brief Stores a boolean, as `sl[index] = bool(value)`; any slot holds it.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param value non-zero for true.
 * @return as weft_shareable_list_set_int().
 */
WEFT_API weft_status weft_shareable_list_set_bool(weft_shareable_list *sl, int64_t index, int value);

/**
 * @brief Stores None, as `sl[index] = None`; any slot holds it.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @return as weft_shareable_list_set_int().
 */
WEFT_API weft_status weft_shareable_list_set_none(weft_shareable_list *sl, int64_t index);

/**
 * @brief Stores a string (UTF-8 bytes), as `sl[index] = value`.
 *
 * The bytes must fit the item's slot, which never grows: a string slot
 * keeps its size, and any other slot holds 8 bytes. A value with trailing
 * NUL bytes is stored with its exact length so weft reads it back whole.
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param value the bytes (NULL only with @p len 0).
 * @param len their number.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, a NULL @p value with
 *         bytes, or a value that does not fit (CPython's message "bytes/str
 *         item exceeds available storage"); `WEFT_LOOKUP` when @p index is
 *         out of range; `WEFT_CLOSED`.
 */
WEFT_API weft_status weft_shareable_list_set_str(weft_shareable_list *sl, int64_t index, const char *value,
                                                 size_t len);

/**
 * @brief Stores bytes, as `sl[index] = value`; as weft_shareable_list_set_str().
 * @param sl the list.
 * @param index the item's position (negative counts from the end).
 * @param value the bytes (NULL only with @p len 0).
 * @param len their number.
 * @return as weft_shareable_list_set_str().
 */
WEFT_API weft_status weft_shareable_list_set_bytes(weft_shareable_list *sl, int64_t index, const void *value,
                                                   size_t len);

/**
 * @brief Counts the items equal to a value, as `ShareableList.count(value)`.
 *
 * The value is given by its type and a pointer: an `int64_t` for
 * #WEFT_SHAREABLE_INT, a `double` for #WEFT_SHAREABLE_FLOAT, an `int` for
 * #WEFT_SHAREABLE_BOOL, nothing (NULL) for #WEFT_SHAREABLE_NONE, @p len
 * bytes for #WEFT_SHAREABLE_STR and #WEFT_SHAREABLE_BYTES. Equality is
 * Python's: integers, floats and booleans compare as numbers (`1 == 1.0 ==
 * True`), strings equal strings and bytes equal bytes of the same content,
 * None equals None.
 * @param sl the list.
 * @param type the value's type.
 * @param value the value, as above.
 * @param len the length of a string or bytes value (ignored otherwise).
 * @param out receives the count.
 * @return `WEFT_OK`; `WEFT_EINVAL` for a bad handle, a NULL @p out, an
 *         unknown type, a NULL @p value where one is needed, or an item of
 *         unknown format; `WEFT_CLOSED`.
 */
WEFT_API weft_status weft_shareable_list_count(weft_shareable_list *sl, int type, const void *value, size_t len,
                                               size_t *out);

/**
 * @brief The position of the first item equal to a value, as `ShareableList.index(value)`.
 * @param sl the list.
 * @param type the value's type (as weft_shareable_list_count()).
 * @param value the value (as weft_shareable_list_count()).
 * @param len the length of a string or bytes value.
 * @param out receives the position.
 * @return `WEFT_OK`; `WEFT_EINVAL` as weft_shareable_list_count(), and when
 *         no item equals the value (Python's ValueError "... not in this
 *         container"); `WEFT_CLOSED`.
 */
WEFT_API weft_status weft_shareable_list_index(weft_shareable_list *sl, int type, const void *value, size_t len,
                                               size_t *out);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_SHM_H */
