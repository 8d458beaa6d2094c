// Reading YAML inputs for CLI commands: files, folders (walked, sorted), globs, or "-" for stdin.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { globSync, isDynamicPattern } from "tinyglobby";

export interface InputFile {
  path: string;
  content: string;
}

const YAML_FILE = /\.(ya?ml|json)$/i;

export interface ReadOptions {
  stdin?: () => string;
  /** The flag the paths came from, named in every error ("-f"). */
  flag?: string;
}

/**
 * Files named by -f arguments, in the order given. Folders contribute their .yaml/.yml/.json
 * files; a named file is read as is; a glob (quoted, so the shell left it) is expanded here.
 */
export function readInputs(targets: string | readonly string[], options: ReadOptions = {}): InputFile[] {
  const stdin = options.stdin ?? (() => readFileSync(0, "utf8"));
  const named = (path: string) => (options.flag ? `${options.flag} ${path}` : path);
  const files: InputFile[] = [];
  for (const target of typeof targets === "string" ? [targets] : targets) {
    if (target === "-") {
      files.push({ path: "<stdin>", content: stdin() });
      continue;
    }
    const stat = statSync(target, { throwIfNoEntry: false });
    if (!stat && isDynamicPattern(target)) {
      const matches = globSync(target, { onlyFiles: true, expandDirectories: false }).sort();
      if (matches.length === 0) throw new Error(`${named(target)}: no file matches`);
      for (const path of matches) files.push({ path, content: readFileSync(path, "utf8") });
    } else if (!stat) throw new Error(`${named(target)}: no such file or directory`);
    else if (stat.isFile()) files.push({ path: target, content: readFileSync(target, "utf8") });
    else walk(target, files);
  }
  return files;
}

function walk(dir: string, files: InputFile[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, files);
    else if (entry.isFile() && YAML_FILE.test(entry.name))
      files.push({ path, content: readFileSync(path, "utf8") });
  }
}
