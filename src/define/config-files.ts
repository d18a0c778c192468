// The names a faultline.config file may have (looked for in the working directory). Apart from the
// loader, so that what only needs the names (the replay line) does not load it.
export const CONFIG_FILES: readonly string[] = ['faultline.config.ts', 'faultline.config.mts', 'faultline.config.js', 'faultline.config.mjs'];
