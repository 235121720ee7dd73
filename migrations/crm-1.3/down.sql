-- The lower-casing itself cannot be undone from here: restore the backup taken before the update for that.
drop index if exists customers_email_idx;
alter table customers drop constraint if exists customers_email_normal_form;
