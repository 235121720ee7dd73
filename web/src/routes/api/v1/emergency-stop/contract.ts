import { z } from 'zod';
import { note, statement } from '$lib/server/contract/fields.ts';
import { operation } from '$lib/server/contract/operation.ts';

const time = z.string().meta({ format: 'date-time' });
const stopView = z.looseObject({ id: z.string(), reason: z.string(), startedByName: z.string(), startedAt: time, liftedByName: z.string().nullable(), liftedAt: time.nullable() });
const standing = z.looseObject({ stop: stopView, runsTold: z.int() });

export const GET = operation({
	summary: 'The emergency stop in force, if any, and the last ten',
	access: 'signed-in',
	responses: { 200: { description: 'Status', schema: z.looseObject({ active: stopView.nullable(), history: z.array(stopView) }) } }
});

export const POST = operation({
	summary: 'Start an emergency stop: every risky step in every run waits (admin)',
	access: ['admin'],
	body: { json: z.object({ reason: statement(2000, 'say why everything risky must stop') }) },
	temporal: true,
	responses: { 201: { description: 'Started; every open run was told', schema: standing }, 409: 'An emergency stop is already in force.' }
});

export const DELETE = operation({
	summary: 'Lift the emergency stop (admin)',
	access: ['admin'],
	body: { json: z.object({ note: note().optional() }), optional: true },
	temporal: true,
	responses: { 200: { description: 'Lifted; held steps go on (within their windows)', schema: standing }, 409: 'No emergency stop is in force.' }
});
