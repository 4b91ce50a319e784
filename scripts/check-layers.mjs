// Fails when an import in src/ goes against the layer order of docs/architecture.md, when folders
// import each other in a cycle, when modules of one folder import each other in a cycle at run time,
// or when a source file grows past MAX_LINES (migrations are SQL, not counted).
// Type-only imports count for the layers (they couple the code as much) but not for the module cycles
// (they vanish from the JavaScript, so they cannot make a module see another half-initialised).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// The tree to check: src/, or another given as the argument (the check's own tests use one).
const SRC = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '../src'));

// Lower rank first; a module may import its own folder, a lower rank, or a folder of its own rank
// (as long as no cycle forms). The files of src/ itself (index.ts, server.ts, app.ts, …) and config/ assemble
// the layers below them, and the CLI runs them.
const RANK = {
  core: 0,
  store: 1,
  services: 2,
  engine: 3,
  events: 3,
  jobs: 3,
  http: 4,
  compat: 5,
  client: 6,
  '.': 7,
  config: 7,
  cli: 8,
};

// A file past this is split by what its parts hold (docs/architecture.md).
const MAX_LINES = 300;

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const folderOf = (file) => {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts.length === 1 ? '.' : parts[0];
};
const rankOf = (folder) => RANK[folder] ?? -1;

function imports(file) {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found = [];
  for (const s of source.statements) {
    let specifier;
    let typeOnly = false;
    if (ts.isImportDeclaration(s)) {
      specifier = s.moduleSpecifier.text;
      const c = s.importClause;
      const named =
        c?.namedBindings !== undefined && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      typeOnly =
        c !== undefined &&
        (c.isTypeOnly ||
          (c.name === undefined && named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly)));
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier !== undefined) {
      specifier = s.moduleSpecifier.text;
      typeOnly = s.isTypeOnly;
    } else continue;
    if (!specifier.startsWith('.')) continue;
    const target = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'));
    found.push({ target, typeOnly });
  }
  return found;
}

const files = sourceFiles(SRC);
const problems = [...new Set(files.map(folderOf))]
  .filter((f) => RANK[f] === undefined)
  .map((f) => `src/${f}/ has no place in the layer order of scripts/check-layers.mjs`);
for (const file of files) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').length - 1;
  if (lines > MAX_LINES) problems.push(`${path.relative(SRC, file)} has ${lines} lines, more than ${MAX_LINES}`);
}
const folderEdges = new Map(); // folder -> Map(folder -> example)
const runtimeEdges = new Map(); // file -> [file] within one folder
for (const file of files) {
  const from = folderOf(file);
  for (const { target, typeOnly } of imports(file)) {
    const to = folderOf(target);
    const where = `${path.relative(SRC, file)} imports ${path.relative(SRC, target)}`;
    if (from === to) {
      if (!typeOnly) runtimeEdges.set(file, [...(runtimeEdges.get(file) ?? []), target]);
      continue;
    }
    if (rankOf(to) > rankOf(from)) problems.push(`${where}: ${to}/ is above ${from}/`);
    if (!folderEdges.has(from)) folderEdges.set(from, new Map());
    if (!folderEdges.get(from).has(to)) folderEdges.get(from).set(to, where);
  }
}

// Cycles, by depth-first search: each back edge closes one.
function cycles(edges) {
  const found = [];
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

const folderGraph = new Map([...folderEdges].map(([f, m]) => [f, [...m.keys()]]));
for (const c of cycles(folderGraph)) {
  problems.push(
    `folder cycle ${c.join(' → ')}: ${c
      .slice(0, -1)
      .map((f, i) => folderEdges.get(f).get(c[i + 1]))
      .join('; ')}`,
  );
}
for (const c of cycles(runtimeEdges)) problems.push(`module cycle ${c.map((f) => path.relative(SRC, f)).join(' → ')}`);

if (problems.length > 0) {
  console.error(`Structure (docs/architecture.md) broken:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
