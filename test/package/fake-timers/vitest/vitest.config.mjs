// The installed package by its name: no aliases, no resolve options.
export default { test: { include: ['*.test.{mjs,mts}'] } };
