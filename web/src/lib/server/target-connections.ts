import { ownEndpoints } from '../../../../shared/address-policy.ts';
import { config } from '../../../../shared/config.ts';
import { secretKeys } from '../../../../shared/secrets.ts';
import { checkTargetConnections, type TargetConnections } from '../../../../shared/target-connections.ts';
import { getDb } from './db.ts';

export type { TargetConnections };

/** "Test connection", for the API route and the target page's form action alike. */
export function testTargetConnections(name: string): Promise<TargetConnections | null> {
	return checkTargetConnections(getDb(), secretKeys(config()), name, ownEndpoints(config()));
}
