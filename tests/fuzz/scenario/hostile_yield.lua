while true do coroutine.yield() end
