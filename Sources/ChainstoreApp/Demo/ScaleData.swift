/// Word lists and codes the scale demo draws from: Guangdong's cities, store and product names,
/// categories. Deterministic: the same seed gives the same group.
enum ScaleData {
    /// Guangdong's 21 prefecture-level cities: English name, Chinese name, short code, the
    /// administrative region code used in unified social credit codes, and a weight (share of
    /// stores).
    static let cities: [(name: String, chinese: String, code: String, region: String, weight: Int)] = [
        ("Guangzhou", "广州", "GZ", "440100", 14), ("Shenzhen", "深圳", "SZ", "440300", 14), ("Dongguan", "东莞", "DG", "441900", 8),
        ("Foshan", "佛山", "FS", "440600", 8), ("Huizhou", "惠州", "HZ", "441300", 5), ("Zhongshan", "中山", "ZS", "442000", 4),
        ("Jiangmen", "江门", "JM", "440700", 4), ("Zhuhai", "珠海", "ZH", "440400", 4), ("Shantou", "汕头", "ST", "440500", 4),
        ("Zhanjiang", "湛江", "ZJ", "440800", 4), ("Maoming", "茂名", "MM", "440900", 3), ("Zhaoqing", "肇庆", "ZQ", "441200", 3),
        ("Jieyang", "揭阳", "JY", "445200", 3), ("Qingyuan", "清远", "QY", "441800", 3), ("Meizhou", "梅州", "MZ", "441400", 3),
        ("Shaoguan", "韶关", "SG", "440200", 2), ("Heyuan", "河源", "HY", "441600", 2), ("Yangjiang", "阳江", "YJ", "441700", 2),
        ("Chaozhou", "潮州", "CZ", "445100", 2), ("Shanwei", "汕尾", "SW", "441500", 2), ("Yunfu", "云浮", "YF", "445300", 1),
    ]

    static let districts = ["天河", "越秀", "海珠", "白云", "番禺", "南山", "福田", "宝安", "龙岗", "禅城", "南海", "顺德", "莞城", "香洲", "金平"]
    static let surnames = ["陈", "李", "黄", "张", "梁", "林", "刘", "吴", "罗", "何", "郑", "谢", "杨", "邓", "许", "冯", "曾", "蔡"]
    static let shopWords = ["福源", "佳美", "好邻居", "惠民", "万家", "百顺", "鑫盛", "乐购", "优品", "家家乐", "旺角", "金穗"]

    /// Top-level categories with their children, a VAT rate (13 or 9) and whether goods are weighed.
    static let categories: [(name: String, vat: Int, weighed: Bool, children: [String])] = [
        ("Drinks", 13, false, ["Water", "Soft Drinks", "Tea Drinks", "Juice", "Coffee", "Energy Drinks"]),
        ("Snacks", 13, false, ["Chips", "Biscuits", "Candy", "Nuts", "Dried Fruit", "Chocolate"]),
        ("Instant Food", 13, false, ["Instant Noodles", "Instant Rice", "Canned Food", "Sauces"]),
        ("Dairy", 9, false, ["Milk", "Yogurt", "Cheese", "Soy Milk"]),
        ("Grain & Oil", 9, false, ["Rice", "Flour", "Cooking Oil", "Noodles"]),
        ("Fresh Produce", 9, true, ["Vegetables", "Fruit", "Mushrooms", "Eggs"]),
        ("Meat & Seafood", 9, true, ["Pork", "Poultry", "Beef", "Fish", "Shrimp"]),
        ("Frozen", 13, false, ["Dumplings", "Ice Cream", "Frozen Meat"]),
        ("Household", 13, false, ["Cleaning", "Paper", "Kitchen", "Storage"]),
        ("Personal Care", 13, false, ["Shampoo", "Toothpaste", "Skin Care", "Razors"]),
        ("Baby", 13, false, ["Diapers", "Baby Food", "Baby Care"]),
        ("Tobacco & Liquor", 13, false, ["Beer", "Baijiu", "Wine", "Cigarettes"]),
        ("Stationery", 13, false, ["Pens", "Notebooks", "Batteries"]),
    ]

    static let brands = ["康师傅", "统一", "农夫山泉", "怡宝", "伊利", "蒙牛", "旺旺", "达利园", "金龙鱼", "海天", "李锦记", "青岛", "珠江",
                         "雪花", "维达", "心相印", "蓝月亮", "立白", "高露洁", "云南白药", "好丽友", "乐事", "奥利奥", "百事", "可口可乐",
                         "王老吉", "加多宝", "东鹏", "三只松鼠", "良品铺子", "思念", "湾仔码头", "双汇", "雨润", "光明", "香飘飘"]
    static let sizes = ["250ml", "330ml", "500ml", "550ml", "1L", "1.5L", "40g", "75g", "105g", "150g", "200g", "500g", "1kg",
                        "5kg", "6袋", "12支", "3卷", "10片", "24罐"]
}
