import { operation } from '$lib/server/contract/operation.ts';
import { userParams } from '../contract.ts';

export const DELETE = operation({
	summary: 'Remove a user’s second factor and recovery codes (admin)',
	description: 'For a lost phone: if their roles require a second factor, they enrol again at the next sign-in.',
	access: ['admin'],
	params: userParams,
	responses: { 204: 'Removed', 404: 'No such user.' }
});
