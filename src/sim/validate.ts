// A small voluptuous look-alike. HA answers a schema violation with `invalid_format` and
// voluptuous' `humanize_error` text: one line per error, sorted, each "<what> @ data['key']. Got
// <repr of the value sent>" (core `websocket_api/connection.py` `async_handle_exception`).
import { isPythonInt, pyRepr } from "./py-json.js";

export class WsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type FieldType =
  | "str"
  | "bool"
  | "int"
  | "str?" // str or None
  | "str[]"
  | "str[]?"
  | "object"
  | "any";

export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  default?: unknown;
  /** `vol.Coerce(<Enum>)` (for a list: each item): the values and the enum's Python name. */
  in?: readonly string[];
  enumName?: string;
}

export type Schema = Record<string, FieldSpec>;

export type PathKey = string | number;

const pathText = (path: PathKey[]) => `data${path.map((k) => (typeof k === "number" ? `[${k}]` : `['${k}']`)).join("")}`;

/** Errors found while validating one message (voluptuous' MultipleInvalid). */
export class SchemaErrors {
  private readonly found: { path: PathKey[]; message: string }[] = [];

  add(path: PathKey[], message: string): void {
    this.found.push({ path, message });
  }

  get any(): boolean {
    return this.found.length > 0;
  }

  /** Throws invalid_format with humanize_error's text for `root` (the whole message as sent). */
  throwIfAny(root: Record<string, unknown>): void {
    if (!this.any) return;
    const lines = this.found.map(({ path, message }) => {
      let container: unknown = root;
      let key: PathKey | undefined;
      let value: unknown = root;
      for (const k of path) {
        container = value;
        key = k;
        value = value !== null && typeof value === "object" ? (value as Record<PathKey, unknown>)[k] : undefined;
      }
      const float = key !== undefined && container !== null && typeof container === "object" && typeof value === "number" && !isPythonInt(container, key);
      let got = pyRepr(value, float);
      // MAX_VALIDATION_ERROR_ITEM_LENGTH
      if (got.length > 500) got = `${got.slice(0, 497)}...`;
      return `${message} @ ${pathText(path)}. Got ${got}`;
    });
    throw new WsError("invalid_format", lines.sort().join("\n"));
  }
}

function typeOk(container: Record<string, unknown>, key: string, spec: FieldSpec): boolean {
  const value = container[key];
  switch (spec.type) {
    case "str":
      return typeof value === "string";
    case "str?":
      return value === null || typeof value === "string";
    case "bool":
      return typeof value === "boolean";
    case "int":
      return isPythonInt(container, key);
    case "str[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "str[]?":
      return value === null || (Array.isArray(value) && value.every((v) => typeof v === "string"));
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "any":
      return true;
  }
}

const TYPE_WORD: Record<FieldType, string> = {
  str: "expected str",
  "str?": "expected str",
  bool: "expected bool",
  int: "expected int",
  "str[]": "expected list",
  "str[]?": "expected list",
  object: "expected a dictionary",
  any: "",
};

/**
 * Checks one dict level (`obj`, found at `path` in the message) against `schema`, adding what is
 * wrong to `errors`; returns the valid keys with defaults applied.
 */
export function validateInto(errors: SchemaErrors, obj: Record<string, unknown>, schema: Schema, path: PathKey[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    if (path.length === 0 && (key === "id" || key === "type")) continue;
    if (!Object.hasOwn(schema, key)) errors.add([...path, key], "extra keys not allowed");
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (!Object.hasOwn(obj, key)) {
      if (spec.required) errors.add([...path, key], "required key not provided");
      else if (spec.default !== undefined) out[key] = structuredClone(spec.default);
      continue;
    }
    const value = obj[key];
    if (!typeOk(obj, key, spec)) {
      errors.add([...path, key], `${TYPE_WORD[spec.type]} for dictionary value`);
      continue;
    }
    if (spec.in) {
      const values = Array.isArray(value) ? value : [value];
      const bad = values.findIndex((v) => v !== null && !spec.in!.includes(v as string));
      if (bad >= 0) {
        // vol.Coerce(Enum) / vol.In: the failing item's own path for a list.
        const where = Array.isArray(value) ? [...path, key, bad] : [...path, key];
        errors.add(where, `expected ${spec.enumName ?? "a valid value"}${Array.isArray(value) ? "" : " for dictionary value"}`);
        continue;
      }
    }
    out[key] = value;
  }
  return out;
}

/** Validates a command message (without `id`/`type`); returns it with defaults applied. */
export function validate(msg: Record<string, unknown>, schema: Schema): Record<string, unknown> {
  const errors = new SchemaErrors();
  const out = validateInto(errors, msg, schema);
  errors.throwIfAny(msg);
  return out;
}

/**
 * voluptuous `Unique()`: "contains duplicate items: [<the duplicates>]". `label` turns an item
 * into what Python prints for it (an enum member prints as `<Day.MONDAY: 'mon'>`).
 */
export function checkUnique(errors: SchemaErrors, value: unknown, path: PathKey[], label: (item: string) => string = (i) => pyRepr(i)): void {
  if (!Array.isArray(value)) return;
  const seen = new Set<unknown>();
  const dupes: unknown[] = [];
  for (const v of value) {
    if (seen.has(v) && !dupes.includes(v)) dupes.push(v);
    seen.add(v);
  }
  if (dupes.length) errors.add(path, `contains duplicate items: [${dupes.map((d) => label(d as string)).join(", ")}] for dictionary value`);
}
