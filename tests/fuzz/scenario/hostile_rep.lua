local s = string.rep("", math.maxinteger)
print("after", #s)
