// The Debian packages a database needs on an SSH host: the same list its node image installs
// (docker/<image>/packages.txt, or a definition's nodeImage.debian packages). A host that lacks some
// gets them before the node's first start: uploaded from the controller's --ssh-debs directory, or
// through the host's own apt-get. Packages stay installed after the run (they are the host's, not
// the run's); everything uploaded goes with the run's directory.

/** Asks dpkg which of the packages are installed: one `name<TAB>status` line per known package. */
export function packageQueryCommand(names: readonly string[]): string[] {
  return ['dpkg-query', '-W', '-f', '${Package}\t${db:Status-Abbrev}\n', ...names];
}

/** The names (without `=version`) of the packages that dpkg-query's output does not show installed. */
export function missingPackages(packages: readonly string[], queryOutput: string): string[] {
  const installed = new Set<string>();
  for (const line of queryOutput.split('\n')) {
    const [name, status] = line.split('\t');
    if (name && status?.startsWith('ii')) installed.add(name.replace(/:.*$/, '')); // multiarch names carry :arch
  }
  return packages.map(packageName).filter((name) => !installed.has(name));
}

/** A package's name without its `=version`. */
export function packageName(spec: string): string {
  return spec.replace(/=.*$/, '');
}

/** Installs packages by name (from the host's sources) or .deb files by path, without questions. */
export function installCommand(targets: readonly string[]): string[] {
  return ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...targets];
}

/** The line of apt-get's output that says why it failed (its last E: line, else its last line). */
export function installFailure(stderr: string, stdout: string): string {
  const lines = `${stdout}\n${stderr}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return [...lines].reverse().find((l) => l.startsWith('E:')) ?? lines.at(-1) ?? 'no output';
}
