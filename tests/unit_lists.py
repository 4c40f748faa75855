"""Unit lists as an admin imports them (.xlsx and .csv), shared by the import and password-link tests."""
import io

from openpyxl import Workbook

from campaign.services.unit_files import COLUMNS

HEADER = list(COLUMNS.values())
XINXIANG = [
    ["新乡市水利局", "市水利局", "xxsl", "", "1", "李述虎", "科长", "0373-2079642", "18737374374", "xxssljjdk@163.com"],
    ["卫辉市水利局", "卫辉", "weihui", "xxsl", "3", "王建国", "办公室主任", "0373-4412345", "", "weihui@example.cn"],
    ["卫辉市水利局", "卫辉", "weihui", "xxsl", "3", "李丽华", "科员", "", "13900000000", "weihui2@example.cn"],
    ["辉县市水利局", "辉县", "huixian", "新乡市水利局", "2", "张志强", "", "", "13800000000", ""],
]


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(rows, header=HEADER) -> str:
    return "\r\n".join(",".join(r) for r in [header, *rows]) + "\r\n"
