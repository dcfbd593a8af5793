// A small voluptuous look-alike: HA answers schema violations with `invalid_format` and messages
// such as "required key not provided @ data['backup_id']".
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
  in?: readonly string[];
}

export type Schema = Record<string, FieldSpec>;

function typeOk(value: unknown, spec: FieldSpec): boolean {
  switch (spec.type) {
    case "str":
      return typeof value === "string";
    case "str?":
      return value === null || typeof value === "string";
    case "bool":
      return typeof value === "boolean";
    case "int":
      return Number.isInteger(value);
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
  str: "str",
  "str?": "str",
  bool: "bool",
  int: "int",
  "str[]": "list",
  "str[]?": "list",
  object: "dict",
  any: "value",
};

/** Validates a command message (without `id`/`type`); returns it with defaults applied. */
export function validate(msg: Record<string, unknown>, schema: Schema, path = "data"): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(msg)) {
    if (path === "data" && (key === "id" || key === "type")) continue;
    if (!(key in schema)) throw new WsError("invalid_format", `extra keys not allowed @ ${path}['${key}']`);
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (!(key in msg)) {
      if (spec.required) throw new WsError("invalid_format", `required key not provided @ ${path}['${key}']`);
      if (spec.default !== undefined) out[key] = structuredClone(spec.default);
      continue;
    }
    const value = msg[key];
    if (!typeOk(value, spec)) {
      throw new WsError("invalid_format", `expected ${TYPE_WORD[spec.type]} for dictionary value @ ${path}['${key}']`);
    }
    if (spec.in) {
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) {
        if (v !== null && !spec.in.includes(v as string)) {
          throw new WsError("invalid_format", `value must be one of [${spec.in.map((s) => `'${s}'`).join(", ")}] @ ${path}['${key}']`);
        }
      }
    }
    out[key] = value;
  }
  return out;
}

export function uniqueList(value: unknown, path: string): void {
  if (Array.isArray(value) && new Set(value).size !== value.length) {
    throw new WsError("invalid_format", `contains duplicate items: ${JSON.stringify(value)} @ ${path}`);
  }
}
