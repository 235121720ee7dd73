drop index if exists customers_segment_idx;
alter table customers drop column if exists segment;
