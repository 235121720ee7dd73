import { launch } from '../../dev/launcher.ts';

/**
 * The launcher as `npm start` runs it, with a small demo CRM and no built-in schedules so a test
 * instance starts in seconds. TEND_HOME, PORT and TEND_ADMIN_PASSWORD as for `npm start`.
 */
const home = process.env.TEND_HOME;
const port = Number(process.env.PORT);
if (!home || !Number.isInteger(port)) throw new Error('set TEND_HOME and PORT');
await launch({ home, port, adminPassword: process.env.TEND_ADMIN_PASSWORD, crmSeed: { customers: 200, logRows: 2000 }, builtInSchedules: false });
