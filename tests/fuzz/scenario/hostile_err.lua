error("1:2:3 x", 0)
