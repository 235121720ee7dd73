-- Every customer has a segment, exactly those with a company are business, and the index exists.
select count(*) filter (where segment is null) = 0
   and count(*) filter (where segment = 'business') = count(company)
   and to_regclass('customers_segment_idx') is not null as ok
  from customers;
