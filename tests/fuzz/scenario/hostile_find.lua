local s = string.rep("a", 1 << 20)
for i = 1, 100000 do s:find("b") end
print("after")
