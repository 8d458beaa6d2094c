// Random YAML-shaped data for the property tests: maps, lists and scalars that are awkward to
// write (strings that look like numbers, booleans, comments, indicators; multi-line strings).

import fc from "fast-check";

export const KEYS = ["a", "b", "cpu", "memory", "name", "x y", "k-1", "app.kubernetes.io/name", "on"];

export const scalar = fc.oneof(
  fc.constantFrom(
    "",
    "2",
    "750m",
    "true",
    "null",
    "a: b",
    "#x",
    "- z",
    "{",
    "it's",
    'say "hi"',
    "a\nb\n",
    " p ",
  ),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -5, max: 5000 }),
  // -0 would not survive fast-json-patch's JSON clone in the oracles; YAML itself keeps it.
  fc
    .double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 })
    .map((x) => (Object.is(x, -0) ? 0 : x)),
  fc.boolean(),
  fc.constant(null),
);

export function yamlValue(keys: readonly string[] = KEYS) {
  return fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("map"), tie("list")),
    map: fc.dictionary(fc.constantFrom(...keys), tie("value"), { minKeys: 1, maxKeys: 4 }),
    list: fc.array(tie("value"), { minLength: 1, maxLength: 3 }),
  })).value;
}

/** A document: a map of 1 to 5 keys. */
export function yamlDocument(keys: readonly string[] = KEYS) {
  return fc.dictionary(fc.constantFrom(...keys), yamlValue(keys), { minKeys: 1, maxKeys: 5 });
}
