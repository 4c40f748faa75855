"""Forms as data: the presets, and the checks on a definition."""
import pytest

from campaign.definitions.schema import InvalidDefinition, load_form_text, validate_form
from campaign.definitions.presets import load_preset, preset_keys


def labels(form):
    return [f["label"] for f in form["fields"]]


def test_samr_annex1_has_the_notice_labels_in_order():
    annex1 = load_preset("samr_2023_9").deliverables[0]
    assert annex1.title == "《质量强国建设纲要》学习宣传贯彻情况表"
    assert labels(annex1.form) == ["领导同志批示情况", "组织开展学习情况", "出台贯彻落实《纲要》文件情况",
                                   "开展的重点和特色宣传贯彻工作", "好的经验和做法", "联系人", "联系电话"]
    documents = annex1.form["fields"][2]
    assert [c["label"] for c in documents["columns"]] == ["文件名称", "发文主体", "当前进展"]
    assert all(f["required"] for f in annex1.form["fields"])


def test_samr_annex2_has_five_sections_with_guidance_and_a_3000_limit():
    annex2 = load_preset("samr_2023_9").deliverables[1]
    sections = [f for f in annex2.form["fields"] if f["type"] == "section"]
    assert [s["label"] for s in sections] == [
        "一、学习《纲要》有关情况", "二、出台《纲要》贯彻落实文件情况", "三、开展的重要学习宣传贯彻活动情况和取得的成效",
        "四、学习宣传贯彻工作中好的经验、做法", "五、涌现出的先进典型和示范案例"]
    assert sections[0]["guidance"] == "主要包括：领导批示、集中学习、作出部署等情况。"
    assert sections[1]["guidance"] == "主要包括：文件名称、发文主体、印发时间等情况。"
    [limit] = annex2.form["limits"]
    assert limit["max_words"] == 3000 and limit["fields"] == [s["key"] for s in sections]


def test_preset_deadlines_follow_the_notices():
    samr = load_preset("samr_2023_9")
    assert [str(d.deadline) for d in samr.deliverables] == ["2023-03-31 23:59:59", "2023-12-31 23:59:59"]
    xinxiang = load_preset("xinxiang_water_2023")
    assert str(xinxiang.deliverables[0].deadline) == "2023-02-27 18:00:00"  # 下班前
    essays = xinxiang.deliverables[0].form["fields"][3]
    assert (essays["min_rows"], essays["max_rows"]) == (2, 2)
    assert sorted(preset_keys()) == ["samr_2023_9", "xinxiang_water_2023"]


def test_errors_name_the_line():
    text = "title: 表\nfields:\n  - key: a\n    type: textarea\n    label: 甲\n  - key: Bad-Key\n    type: wrong\n    label: 乙\n"
    with pytest.raises(InvalidDefinition) as info:
        load_form_text(text)
    messages = [str(e) for e in info.value.errors]
    assert any(m.startswith("第 6 行") and "Bad-Key" in m for m in messages) or any(m.startswith("第 7 行") for m in messages)
    assert any("类型“wrong”无效" in m and m.startswith("第 7 行") for m in messages)


def test_syntax_error_names_the_line():
    with pytest.raises(InvalidDefinition) as info:
        load_form_text("title: 表\nfields:\n  - key: a\n   label: [\n")
    assert info.value.errors[0].line is not None
    assert "格式错误" in info.value.errors[0].message


@pytest.mark.parametrize("raw, fragment", [
    ({"fields": [{"key": "a", "type": "text", "label": "甲"}]}, "缺少“title”"),
    ({"title": "t", "fields": []}, "至少包含一个栏目"),
    ({"title": "t", "fields": [{"key": "a", "label": "甲"}, {"key": "a", "label": "乙"}]}, "重复"),
    ({"title": "t", "fields": [{"key": "a", "type": "rows", "label": "甲"}]}, "columns"),
    ({"title": "t", "fields": [{"key": "a", "label": "甲", "colour": 1}]}, "不认识的设置“colour”"),
    ({"title": "t", "fields": [{"key": "a", "label": "甲"}], "limits": [{"fields": ["b"], "max_words": 5}]}, "没有名为“b”"),
    ({"title": "t", "fields": [{"key": "a", "label": "甲"}], "limits": [{"fields": ["a"]}]}, "max_words"),
    ({"title": "t", "fields": [{"key": "a", "label": "甲", "required": "yes"}]}, "true 或 false"),
    ({"title": "t", "fields": [{"key": "a", "type": "rows", "label": "甲", "min_rows": 3, "max_rows": 2,
                                "columns": [{"key": "x", "label": "X"}]}]}, "max_rows 不能小于"),
])
def test_invalid_definitions_are_refused_with_a_reason(raw, fragment):
    with pytest.raises(InvalidDefinition) as info:
        validate_form(raw)
    assert fragment in str(info.value)


def test_a_valid_custom_definition_is_normalised():
    form = load_form_text("title: 情况表\nfields:\n  - key: a\n    label: 甲\n    required: true\n    max_words: 10\n")
    assert form["fields"][0] == {"key": "a", "type": "textarea", "label": "甲", "guidance": "", "group_label": "",
                                 "required": True, "max_words": 10}
