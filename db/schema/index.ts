export * from './users.ts';
export * from './targets.ts';
export * from './runbooks.ts';
export * from './runs.ts';
export * from './backups.ts';
export * from './audit.ts';
export * from './mail.ts';
