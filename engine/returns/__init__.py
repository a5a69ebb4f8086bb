"""The partnership's returns: the DfE SSDA903 missing data (R46) and Ofsted's Annex A.

- `ssda903`: builds the three 903 tables from plain data (no database);
- `source`: reads the child's record into that plain data;
- `validator`: checks the tables with the DfE's public validator, run as a subprocess in
  an environment of its own (`validator_runner` is what that environment runs);
- `annex_a`: the Annex A List 8 missing columns as a workbook.
"""
