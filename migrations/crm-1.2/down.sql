drop table if exists customer_notes;
