/**
 * A configuration the host refuses, as Envoy refuses a bootstrap at load. The message always starts
 * with the offending field path (or the file path for errors that have no field), so a user can find
 * the line; `fieldPath` and `detail` carry the two halves for tests and tools.
 */
export class ConfigError extends Error {
  readonly fieldPath: string;
  readonly detail: string;

  constructor(fieldPath: string, detail: string) {
    super(fieldPath === "" ? detail : `${fieldPath}: ${detail}`);
    this.name = "ConfigError";
    this.fieldPath = fieldPath;
    this.detail = detail;
  }
}

/** Appends a field name to a path ("" is the bootstrap itself). */
export function fieldPath(parent: string, field: string): string {
  return parent === "" ? field : `${parent}.${field}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

export function keyPath(parent: string, key: string): string {
  return `${parent}[${JSON.stringify(key)}]`;
}
