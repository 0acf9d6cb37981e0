"""The tables `ntm-forecast extract` reads a report with: units, metric phrases, the national
criteria, rates, star phrases, status and kind cue words, year phrases.

All patterns run over normalised lower-case text (see :class:`ntm_forecast.extract._Doc`). To
teach the extractor a new phrase, add it here; the procedure in :mod:`ntm_forecast.ingest.extract`
does not change.
"""

from __future__ import annotations

import re

# "hiện" alone means "now" ("Hiện tỉnh có …"), not inside "thực hiện", "thể hiện", "phát hiện"
NOW = r"(?<!thực )(?<!thể )(?<!phát )(?<!xuất )\bhiện\b"

UNIT = re.compile(
    r"\s*(?P<u>%|xã\b|sản phẩm\b|hồ sơ\b|thôn\b|ấp\b|bản\b|vườn\b|huyện\b|đơn vị\b"
    r"|tiêu chí\b|nội dung\b|chỉ tiêu\b|triệu đồng|tỷ đồng|nghìn đồng|tỉnh\b)"
)
# The nouns a number written in words may count: no "%" and no money after "năm" or "ba".
COUNTED = re.compile(
    r"\s*(?:xã|sản phẩm|hồ sơ|thôn|ấp|bản|vườn|huyện|đơn vị|tiêu chí|nội dung|chỉ tiêu|tỉnh)\b"
)
FAMILY = {
    "%": "percent", "xã": "communes", "sản phẩm": "products", "hồ sơ": "products",
    "thôn": "villages", "ấp": "villages", "bản": "villages", "vườn": "gardens",
    "huyện": "districts", "đơn vị": "districts", "tiêu chí": "criteria",
    "nội dung": "contents", "chỉ tiêu": "indicators", "triệu đồng": "million_vnd",
    "tỷ đồng": "billion_vnd", "nghìn đồng": "thousand_vnd", "tỉnh": "provinces",
}  # fmt: skip

# The standard a count of communes (or villages, districts) refers to.
STANDARD = re.compile(r"đạt chuẩn|chuẩn|ntm|nông thôn mới|về đích")
ADVANCED = re.compile(r"nâng cao|ntm nâng\b")
MODEL = re.compile(r"kiểu mẫu")

# The national criteria by name (Quyết định 1980/QĐ-TTg): "112/137 xã đạt tiêu chí Giao thông".
CRITERIA = {
    "quy hoạch": "planning", "giao thông": "transport", "thủy lợi": "irrigation",
    "điện": "electricity", "trường học": "schools", "cơ sở vật chất văn hóa": "culture_facilities",
    "cơ sở hạ tầng thương mại nông thôn": "rural_commerce",
    "thông tin và truyền thông": "telecom", "nhà ở dân cư": "housing", "thu nhập": "income",
    "hộ nghèo": "poverty", "lao động có việc làm": "employment",
    "tổ chức sản xuất": "production_organisation", "giáo dục và đào tạo": "education",
    "y tế": "health", "văn hóa": "culture", "môi trường và an toàn thực phẩm": "environment",
    "hệ thống chính trị": "political_system", "quốc phòng và an ninh": "security",
}  # fmt: skip
CRITERION = re.compile(
    r"(?:tiêu chí|về)\s+("
    + "|".join(sorted(map(re.escape, CRITERIA), key=len, reverse=True))
    + r")\b"
)

# Socio-economic rates the seeds carry: (words in the clause, metric).
RATES = [
    (re.compile(r"hộ nghèo"), "poverty_rate"),
    (re.compile(r"lao động qua đào tạo"), "trained_labour_rate"),
    (re.compile(r"bảo hiểm y tế|bhyt"), "health_insurance_rate"),
    (re.compile(r"nước sạch"), "clean_water_rate"),
    (re.compile(r"rác thải[^,;]*xử lý"), "waste_treated_rate"),
]
INCOME = re.compile(r"thu nhập bình quân|thu nhập[^,;]*đầu người")
FUNDS = re.compile(r"kinh phí huy động|huy động nguồn lực|nguồn lực huy động|tổng huy động")

# "3 sao trở lên", "từ 3-4 sao", "đạt 4 sao", "hạng 3 sao cấp tỉnh trở lên"
STARS = re.compile(
    r"(?P<from>từ\s*)?(?P<a>[345])(?:\s*(?:-|và)\s*(?P<b>[45]))?\s*sao"
    r"(?P<plus>(?:\s+cấp\s+\w+)?\s+trở lên)?"
)
SUBMITTED = re.compile(r"trung ương|quốc gia")
# Products that are not the OCOP count: of a craft village, proposed, upgraded, grouped by
# kind ("124 sản phẩm thuộc nhóm thực phẩm"), of a potential star; registered (after the
# dossiers submitted to the centre: "2 hồ sơ đăng ký dự thi … trung ương").
NOT_OCOP = re.compile(r"làng nghề|đề xuất|nâng hạng|thuộc nhóm|tiềm năng")
REGISTERED = re.compile(r"đăng ký")
# Re-certified products are not added to the count ("công nhận lại 13 sản phẩm").
RECERTIFIED = re.compile(
    r"(?:công nhận|đánh giá|cấp|chứng nhận|xếp hạng) lại|tái (?:chứng nhận|cấp)"
)
# Provinces that completed the programme (a national page): "12 tỉnh, thành phố hoàn thành
# nhiệm vụ xây dựng nông thôn mới"
PROVINCE_DONE = re.compile(r"hoàn thành nhiệm vụ")

# A clause about the programme: a percentage or an amount there is listed when it is left out.
PROGRAMME = re.compile(r"\bxã\b|nông thôn mới|\bntm\b|ocop|đạt chuẩn|tiêu chí|sản phẩm")

# Status cues; the nearest one before a figure in its sentence wins. A plan reached or passed
# ("vượt mục tiêu", "hoàn thành mục tiêu", "so với kế hoạch") names the plan's figure only in
# its own clause ("vượt mục tiêu của năm 2020: 5 xã"), not the next item ("…, vượt mục tiêu
# giai đoạn và 12,3% xã đạt chuẩn kiểu mẫu"). "sẽ" marks the future: an estimate after "dự
# kiến", else a plan (see extract._status).
_NOT_A_PLAN = r"(?<!vượt )(?<!hoàn thành )(?<!so với )(?<!so )"
REACHED = re.compile(r"(?:vượt|hoàn thành|so với|so) (?:mục tiêu|kế hoạch)")
STATUS_CUES = [
    (re.compile(r"\bước\b|dự kiến"), "estimate"),
    (
        re.compile(
            rf"phấn đấu|{_NOT_A_PLAN}mục tiêu(?! quốc gia)"
            rf"|{_NOT_A_PLAN}(?<!% )(?<!theo )kế hoạch"
            r"|giao chỉ tiêu|thống nhất giao|chỉ tiêu[^.;]{0,40}\bgiao\b|đặt ra|đề ra"
            r"|phương hướng|định hướng|năm tới"
        ),
        "target",
    ),
    (re.compile(r"\bsẽ\b"), "future"),
    (REACHED, "reached"),
    (
        re.compile(
            r"\bđã\b|đến nay|hiện nay|lũy kế|kết quả|tính đến|đến hết năm|đến thời điểm này"
            rf"|năm qua|{NOW}"
        ),
        "actual",
    ),
]
HEADING_STATUS = [
    (re.compile(r"mục tiêu|nhiệm vụ|phương hướng|kế hoạch|phấn đấu"), "target"),
    (re.compile(r"kết quả"), "actual"),
]

# "Từ đầu năm đến nay, toàn tỉnh có 68 sản phẩm …": what the year has added so far.
SINCE_NEW_YEAR = re.compile(r"từ đầu năm")
INC_STRONG = re.compile(
    r"\bthêm\b|\btăng\b(?! cường)|(?<!thôn )(?<!đổi )\bmới\b(?! đạt)|trong năm|năm qua"
)
LEVEL_STRONG = re.compile(r"nâng tổng số|tổng số|nâng số|lũy kế|\blên\s*$")
LEVEL_WEAK = re.compile(r"toàn (?:tỉnh|huyện|thành phố|quốc|thị xã) có")
INC_WEAK = re.compile(r"công nhận|đánh giá|xếp hạng|về đích|hoàn thành")
PRESENT = re.compile(rf"đến nay|hiện nay|đến thời điểm này|{NOW}")
LUY_KE = re.compile(r"lũy kế")
PLAN_SHARE = re.compile(r"\s*(?:kế hoạch|mục tiêu|so với|nghị quyết|chỉ tiêu)")
# Work on villages and gardens not yet at the standard: the last verb before the count says.
WORK_VERBS = re.compile(r"triển khai mới|xây dựng|công nhận|thẩm định|\bthêm\b")
QUALIFIERS = {"mới": "_started", "dựng": "_in_progress"}
AT_LEAST = re.compile(r"(?:ít nhất|tối thiểu|trên|hơn|từ)\s*$")
# A clause of only a year and "có" before a count: the count of the clause before, another year.
ELLIPSIS = re.compile(
    r"\s*(?:(?:đến|tính đến)\s+)?(?:(?:cuối|hết)\s+)?năm\s+20\d\d\s*,?\s*"
    r"(?:(?:toàn\s+)?(?:tỉnh|huyện|thành phố|thị xã)\s+)?(?:đã\s+)?có\s*"
)
PARTS = re.compile(r"trong đó|\bgồm\b|bao gồm")
# A sentence that goes on with the figures of the one before it ("Trong số này, …").
CONTINUES = re.compile(r"\s*(?:trong số (?:này|đó)|trong đó)\b")
# Figures of the whole country on a page about one province: the subject "cả nước".
COUNTRY = re.compile(r"\bcả nước\b|\b63(?:/63)? tỉnh")
# A round of recognitions ("đợt 1, năm 2022", "công nhận … lần đầu năm 2022"): one batch of the
# year's, not its addition; "trong năm", "cả năm", "từ đầu năm" tie a count to the whole year.
ROUND = re.compile(r"\bđợt\s*(?:\d+|[ivx]+|một|hai|ba|đầu)\b|\blần đầu năm\b")
WHOLE_YEAR = re.compile(r"trong năm|cả năm|từ đầu năm|năm 20\d\d[^,;.]*\bthêm\b")
# A district named in a province's page ("huyện Hương Khê có thêm 4 xã", "toàn huyện") and the
# province again ("toàn tỉnh", "của tỉnh", "tỉnh Hà Tĩnh"), in the text with its capitals.
DISTRICT = re.compile(r"\btoàn huyện\b|\b(?:[Hh]uyện|[Tt]hị xã)\s+(?!Đ[ạa]t\b)[A-ZĐ]\w*")
PROVINCE = re.compile(r"\b[Tt]ỉnh\b")
# The provinces of 2016–2025 and the units of 1 July 2025, by the names pages use without
# "tỉnh" before them ("Hà Nội đã đánh giá …").
PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai",
    "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang",
    "Hòa Bình", "Hồ Chí Minh", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu",
    "Lạng Sơn", "Lào Cai", "Lâm Đồng", "Long An", "Nam Định", "Nghệ An", "Ninh Bình",
    "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh",
    "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên", "Thanh Hóa",
    "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc",
    "Yên Bái",
)  # fmt: skip

# Years: one pattern, the first alternative that matches wins.
YEAR = re.compile(
    r"(?P<period>(?:giai đoạn\s*)?20\d\d\s*-\s*20\d\d"
    r"|(?:định hướng|tầm nhìn) (?:đến |tới )?(?:năm )?20\d\d)"
    r"|(?P<compare>so (?:với )?(?:cùng kỳ )?(?:cuối |hết )?(?:năm )?(?P<cy>20\d\d))"
    r"|(?P<date>(?P<dd>\d{1,2})/(?P<dm>\d{1,2})/(?P<dy>20\d\d))"
    r"|(?P<month>tháng\s*(?P<mm>\d{1,2})\s*(?:/|năm)\s*(?P<my>20\d\d))"
    r"|(?P<quarter>quý\s*(?P<q>iv|i{1,3}|[1-4])\s*(?:/|năm)\s*(?P<qy>20\d\d))"
    r"|(?P<months>(?:\d{1,2}|ba|sáu|chín) tháng đầu năm (?P<ny>20\d\d))"
    r"|(?P<early>(?P<upto>(?:tính )?đến )?đầu năm (?P<ey>20\d\d))"
    r"|(?P<yearend>(?:cuối|hết) năm (?P<ry>20\d\d))"
    r"|(?P<year>năm (?P<y>20\d\d))"
    r"|(?P<thisend>cuối năm(?: nay)?)"
    r"|(?P<this>năm nay)"
    r"|(?P<last>năm qua|năm trước)"
    r"|(?P<next>năm tới|năm sau)"
    rf"|(?P<present>đến nay|hiện nay|đến thời điểm này|lũy kế|{NOW})"
)
DATE_LINE_NOISE = re.compile(
    r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy)|chủ nhật|\(?gmt\s*[+-]\s*\d+\)?|\d{1,2}:\d{2}(?::\d{2})?"
    r"|cập nhật|ngày đăng|đăng ngày|ngày|lúc|giờ|\b[ap]m\b"
    r"|\d{1,2}/\d{1,2}/20\d\d|[\s,|\-:]"
)
DATE_WORDS = re.compile(r"(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(20\d\d)")
LOCALITY = re.compile(
    r"\b(tỉnh|huyện|thị xã|thành phố)\s+((?:[A-ZĐ][^\s,.;:()]*)(?:\s+[A-ZĐ][^\s,.;:()]*){0,2})"
)
NATIONAL = ("cả nước", "việt nam", "toàn quốc")
LEVELS = {"tỉnh": "province", "thành phố": "province", "huyện": "district", "thị xã": "district"}
