"""The S3 objects the recorded ItemReader cases read, by the recorded test's name.

The recorder kept the state machine, the input and AWS's answer, but not the objects its test put in
the bucket; these are those objects, as the recorded tests wrote them (the bucket and key are in the
case's input).
"""

from __future__ import annotations

import json

_CSV_ROWS = "Value4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"
_CSV_MAX_ITEMS = "Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n"

BODIES: dict[str, str] = {
    "test_map_item_reader_base_csv_headers_first_line": "Col1,Col2,Col3\nValue1,Value2,Value3\n" + _CSV_ROWS,
    "test_map_item_reader_csv_headers_decl_duplicate_headers": "Value1,Value2,Value3\n" + _CSV_ROWS,
    "test_map_item_reader_csv_first_row_extra_fields": "H1,\n" + _CSV_ROWS,
    "test_map_item_reader_json_no_json_list_object": json.dumps({"Hello": "world"}),
    "test_map_item_reader_csv_max_items": _CSV_MAX_ITEMS,
    "test_map_item_reader_csv_max_items_paths": _CSV_MAX_ITEMS,
    "test_map_item_reader_base_json_max_items": json.dumps(
        [{"verdict": "true", "statement_date": "6/11/2008", "statement_source": "speech"}] * 3
    ),
    "test_map_item_reader_base_json_with_items_path": json.dumps([["from-bucket-item-0"]]),
}


def recorded_test(case: dict[str, object]) -> str:
    """`...::TestX::test_name[param]` -> `test_name`."""
    return str(case["source"]).rsplit("::", 1)[-1].split("[", 1)[0]
