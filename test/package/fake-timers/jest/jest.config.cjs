// The installed package by its name, CommonJS as Jest runs it: no transform, no module mapping.
module.exports = { testEnvironment: 'node', testMatch: ['<rootDir>/*.test.cjs'], transform: {}, watchman: false };
