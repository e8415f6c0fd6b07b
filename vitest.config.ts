import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		globalSetup: ['test/capture/shared-python.ts'],
		setupFiles: ['test/setup/scratch.ts'],
		testTimeout: 60_000,
		hookTimeout: 120_000,
	},
});
