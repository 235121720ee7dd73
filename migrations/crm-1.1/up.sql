-- Campaigns and reports need to tell business accounts from consumers.
alter table customers
	add column segment text not null default 'consumer'
	constraint customers_segment_check check (segment in ('consumer', 'business', 'key_account'));

update customers set segment = 'business' where company is not null;

create index customers_segment_idx on customers (segment);
