"""The queries behind the Sender (pull) interfaces: a page of CDRs or Sessions from the lake (DuckDB over
Parquet, landed within about a second of the record), a page of Tariffs or Locations from their compacted
topics kept in memory, and the pagination of transport_and_format ("Pagination")."""
