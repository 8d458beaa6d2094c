// Preloaded (node --import) by tests that prove a command never loads @kubernetes/client-node:
// a module resolution hook that refuses it, so a command importing it fails with this message.
import { register } from "node:module";

const hook = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith("@kubernetes/client-node")) throw new Error("@kubernetes/client-node was loaded");
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
