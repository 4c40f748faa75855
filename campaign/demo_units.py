"""Real recipient lists of the two seed notices, in their official order."""

# 国市监质发〔2023〕9号 goes to the 31 provincial bureaus in the standard order, then the XPCC bureau.
SAMR_PROVINCES = [
    ("beijing", "北京市市场监督管理局", "北京"),
    ("tianjin", "天津市市场监督管理委员会", "天津"),
    ("hebei", "河北省市场监督管理局", "河北"),
    ("shanxi", "山西省市场监督管理局", "山西"),
    ("neimenggu", "内蒙古自治区市场监督管理局", "内蒙古"),
    ("liaoning", "辽宁省市场监督管理局", "辽宁"),
    ("jilin", "吉林省市场监督管理厅", "吉林"),
    ("heilongjiang", "黑龙江省市场监督管理局", "黑龙江"),
    ("shanghai", "上海市市场监督管理局", "上海"),
    ("jiangsu", "江苏省市场监督管理局", "江苏"),
    ("zhejiang", "浙江省市场监督管理局", "浙江"),
    ("anhui", "安徽省市场监督管理局", "安徽"),
    ("fujian", "福建省市场监督管理局", "福建"),
    ("jiangxi", "江西省市场监督管理局", "江西"),
    ("shandong", "山东省市场监督管理局", "山东"),
    ("henan", "河南省市场监督管理局", "河南"),
    ("hubei", "湖北省市场监督管理局", "湖北"),
    ("hunan", "湖南省市场监督管理局", "湖南"),
    ("guangdong", "广东省市场监督管理局", "广东"),
    ("guangxi", "广西壮族自治区市场监督管理局", "广西"),
    ("hainan", "海南省市场监督管理局", "海南"),
    ("chongqing", "重庆市市场监督管理局", "重庆"),
    ("sichuan", "四川省市场监督管理局", "四川"),
    ("guizhou", "贵州省市场监督管理局", "贵州"),
    ("yunnan", "云南省市场监督管理局", "云南"),
    ("xizang", "西藏自治区市场监督管理局", "西藏"),
    ("shaanxi", "陕西省市场监督管理局", "陕西"),
    ("gansu", "甘肃省市场监督管理局", "甘肃"),
    ("qinghai", "青海省市场监督管理局", "青海"),
    ("ningxia", "宁夏回族自治区市场监督管理厅", "宁夏"),
    ("xinjiang", "新疆维吾尔自治区市场监督管理局", "新疆"),
    ("bingtuan", "新疆生产建设兵团市场监督管理局", "兵团"),
]

# 新乡市水利局's notice goes to the county water bureaus (水利局 or 农业农村局), the bureau's
# departments, its second-level bodies and its construction-management bureaus.
XINXIANG_COUNTIES = [
    ("weihui", "卫辉市水利局", "卫辉市"),
    ("huixian", "辉县市水利局", "辉县市"),
    ("changyuan", "长垣市水利局", "长垣市"),
    ("xinxiangxian", "新乡县水利局", "新乡县"),
    ("huojia", "获嘉县水利局", "获嘉县"),
    ("yuanyang", "原阳县水利局", "原阳县"),
    ("yanjin", "延津县水利局", "延津县"),
    ("fengqiu", "封丘县水利局", "封丘县"),
    ("hongqi", "红旗区农业农村局", "红旗区"),
    ("weibin", "卫滨区农业农村局", "卫滨区"),
    ("fengquan", "凤泉区农业农村局", "凤泉区"),
    ("muye", "牧野区农业农村局", "牧野区"),
]
XINXIANG_DEPARTMENTS = [
    ("xx_office", "新乡市水利局办公室", "办公室"),
    ("xx_planning", "新乡市水利局规划计划科", "规划计划科"),
    ("xx_resources", "新乡市水利局水资源管理科", "水资源管理科"),
    ("xx_rural", "新乡市水利局农村水利水电科", "农村水利水电科"),
    ("xx_soil", "新乡市水利局水土保持科", "水土保持科"),
]
XINXIANG_AFFILIATES = [
    ("xx_quality", "新乡市水利工程质量监督站", "质量监督站"),
    ("xx_hydrology", "新乡市水文水资源勘测局", "水文水资源勘测局"),
    ("xx_design", "新乡市水利勘测设计院", "勘测设计院"),
    ("xx_canal", "新乡市人民胜利渠管理局", "人民胜利渠管理局"),
]

# 河南省市场监督管理局 relays the SAMR notice to its 17 prefecture-level bureaus and 济源示范区, in the
# province's official order.
HENAN_CITIES = [
    ("ha_zhengzhou", "郑州市市场监督管理局", "郑州"),
    ("ha_kaifeng", "开封市市场监督管理局", "开封"),
    ("ha_luoyang", "洛阳市市场监督管理局", "洛阳"),
    ("ha_pingdingshan", "平顶山市市场监督管理局", "平顶山"),
    ("ha_anyang", "安阳市市场监督管理局", "安阳"),
    ("ha_hebi", "鹤壁市市场监督管理局", "鹤壁"),
    ("ha_xinxiang", "新乡市市场监督管理局", "新乡"),
    ("ha_jiaozuo", "焦作市市场监督管理局", "焦作"),
    ("ha_puyang", "濮阳市市场监督管理局", "濮阳"),
    ("ha_xuchang", "许昌市市场监督管理局", "许昌"),
    ("ha_luohe", "漯河市市场监督管理局", "漯河"),
    ("ha_sanmenxia", "三门峡市市场监督管理局", "三门峡"),
    ("ha_nanyang", "南阳市市场监督管理局", "南阳"),
    ("ha_shangqiu", "商丘市市场监督管理局", "商丘"),
    ("ha_xinyang", "信阳市市场监督管理局", "信阳"),
    ("ha_zhoukou", "周口市市场监督管理局", "周口"),
    ("ha_zhumadian", "驻马店市市场监督管理局", "驻马店"),
    ("ha_jiyuan", "济源示范区市场监督管理局", "济源"),
]

# 新乡市质量强市战略工作领导小组办公室 asked the city's bureaus for their study reports; 新乡市水利局's
# notice relays that request to its own units. The market-regulation bureau is the one above.
XINXIANG_CITY_BUREAUS = [
    ("xx_gxj", "新乡市工业和信息化局", "市工信局"),
    ("xx_zjj", "新乡市住房和城乡建设局", "市住建局"),
    ("xx_jtj", "新乡市交通运输局", "市交通运输局"),
    ("xx_nyj", "新乡市农业农村局", "市农业农村局"),
]
XINXIANG_OFFICE = "新乡市质量强市战略工作领导小组办公室"
