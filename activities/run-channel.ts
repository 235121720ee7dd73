/** The PostgreSQL NOTIFY channel on which the ledger names each run whose projection changed; the web app LISTENs on it. */
export const RUN_CHANNEL = 'tend_run_changed';
