-- Every note activity was carried over, and nothing else.
select (select count(*) from customer_notes)
     = (select count(*) from activities where kind = 'note')
   and not exists (
	select 1
	  from customer_notes n
	  left join activities a on a.id = n.source_activity_id and a.kind = 'note'
	 where a.id is null or a.note <> n.body
   ) as ok;
