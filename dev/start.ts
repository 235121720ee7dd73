import { z } from 'zod';
import { launch } from './launcher.ts';

/** `npm start`: reads the launcher's own variables (the ports' are read by dev/ports.ts) and launches. */
const env = z
	.object({
		TEND_HOME: z.string().min(1).default('.tend'),
		PORT: z.coerce.number().int().min(1).max(65535).default(5173),
		TEND_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional()
	})
	.safeParse(process.env);

if (!env.success) {
	console.error(`tend: ${env.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join('; ')}`);
	process.exit(1);
}
await launch({ home: env.data.TEND_HOME, port: env.data.PORT, adminPassword: env.data.TEND_ADMIN_PASSWORD });
