"""Form payloads and demo lookups shared by tests."""
import sqlalchemy as sa

from campaign.extensions import db
from campaign.models import Campaign

ANNEX1 = {
    "leader_instructions": "主要负责同志作出批示。",
    "study": "召开党组会专题学习。",
    "documents-0-name": "贯彻落实《纲要》实施方案",
    "documents-0-issuer": "省委、省政府",
    "documents-0-progress": "已印发",
    "publicity": "开设专栏宣传。",
    "experience": "清单化推进。",
    "contact_name": "张三",
    "contact_phone": "010-12345678",
}


def annex1(**changes):
    data = dict(ANNEX1)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def annex2(text_per_section: str = "学习情况良好。", **changes):
    data = {"title": "工作总结", "learning": text_per_section, "documents": text_per_section,
            "activities": text_per_section, "experience": text_per_section, "exemplars": text_per_section}
    data.update(changes)
    return data


def demo_campaigns():
    """The demo's two seed notices: the SAMR notice and 新乡市水利局's (which relays the city office's request)."""
    samr = db.session.scalar(sa.select(Campaign).where(Campaign.doc_number == "国市监质发〔2023〕9号"))
    xinxiang = db.session.scalar(sa.select(Campaign).where(Campaign.preset == "xinxiang_water_2023",
                                                           Campaign.relays_campaign_id.is_not(None)))
    return samr, xinxiang
