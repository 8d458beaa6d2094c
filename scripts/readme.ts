// The README's configuration tables are generated from what the code validates: the service's
// environment (src/config.ts), the --pricing schema and the .github/costopt.yml schema, so the
// documentation cannot drift from the code.
import { envTable } from "../src/config.js";
import { DEFAULT_REPO_CONFIG, REPO_CONFIG_SCHEMA } from "../src/gitops/config.js";
import { OPENCOST_DEFAULT_PRICES } from "../src/recommend/cost.js";
import { PRICE_KEYS, PRICING_SCHEMA } from "../src/recommend/pricing-schema.js";

function withSection(readme: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md: markers ${start} and ${end} not found`);
  return `${readme.slice(0, from + start.length)}\n${content}\n${readme.slice(to)}`;
}

const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

export function pricingTable(): string {
  const top = Object.entries(PRICING_SCHEMA.properties).map(([key, s]) => [`\`${key}\``, s.description]);
  const prices = Object.entries(PRICE_KEYS).map(([key, what]) => [
    `\`${key}\``,
    what,
    String(OPENCOST_DEFAULT_PRICES[key as keyof typeof PRICE_KEYS]),
  ]);
  return `${table(["key", "meaning"], top)}\n\nEach of \`default\`, \`clusters.<name>\` and \`nodePools.<name>\` holds any of:\n\n${table(["price", "meaning", "default (OpenCost)"], prices)}`;
}

export function repoConfigTable(): string {
  const rows = Object.entries(REPO_CONFIG_SCHEMA.properties).map(([key, s]) => [
    `\`${key}\``,
    s.description,
    `\`${JSON.stringify(DEFAULT_REPO_CONFIG[key as keyof typeof DEFAULT_REPO_CONFIG])}\``,
  ]);
  return table(["setting", "meaning", "default"], rows);
}

export function withEnvTable(readme: string): string {
  return withSection(readme, "env-table", envTable());
}

/** The README with every generated table brought up to date. */
export function withGeneratedTables(readme: string): string {
  return withSection(
    withSection(withEnvTable(readme), "pricing-table", pricingTable()),
    "repo-config-table",
    repoConfigTable(),
  );
}
