/** The row counts the dump saw, kept beside it so a verify can compare a restore with them. */
export const countsPath = (backupPath: string) => `${backupPath}.counts.json`;

/** A backup's file (custom format) or folder (directory format) is named for its id; nothing else in a backup folder is. */
export const backupFileName = (backupId: string, format: 'custom' | 'directory') => (format === 'custom' ? `${backupId}.dump` : backupId);
