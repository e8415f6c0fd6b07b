/**
 * Shared constants of the graph store's typed-array layout. Kept apart from
 * the store so the byte parser (which also runs in worker threads) can use
 * them without pulling the store in.
 */

/** Ordinal sentinel: "no object". */
export const NO_OBJECT = 0xff_ff_ff_ff;

/** `objectLength` sentinel: the line had no "len". */
export const NO_LENGTH = 0xff_ff_ff_ff;

/**
 * A child target with this bit set is not an ordinal but an index into
 * `unresolvedAddress`: the dump referenced an address it never listed.
 */
export const UNRESOLVED_BIT = 0x80_00_00_00;
export const UNRESOLVED_MASK = 0x7f_ff_ff_ff;

/** The largest number of objects one store holds (ordinals must stay below UNRESOLVED_BIT). */
export const MAX_OBJECTS = 0x7f_ff_ff_f0;

/** objectFlags bits. */
export const FLAG_VALUE_STRING = 1;
/** The value slot holds a bare token (an integer's digits, kept exactly). */
export const FLAG_VALUE_TOKEN = 2;
/** The value slot came from "name" (modules, functions, types, classes). */
export const FLAG_VALUE_IS_NAME = 4;
/** Synthetic object made by the loader (the `<ex-reference>` node). */
export const FLAG_SYNTHETIC = 8;
/** The object absorbed its instance `__dict__` (collapse_instance_dicts). */
export const FLAG_COLLAPSED = 16;
