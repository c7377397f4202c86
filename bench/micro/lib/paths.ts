import path from "node:path";
import { fileURLToPath } from "node:url";

export const MICRO_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.dirname(path.dirname(MICRO_DIR));
